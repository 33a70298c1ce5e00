"""Programs and indicators of the smart-city dimensions, with trends and targets."""

from __future__ import annotations

import asyncio
from typing import Literal

from kotahub.errors import SourceError
from kotahub.records import IndicatorRecord, ProgramRecord
from kotahub.resolvers.fan_out import from_every_source
from kotahub.resolvers.live_indicators import LIVE_INDICATORS
from kotahub.resolvers.loaders import load_all, loaded, loaded_all
from kotahub.resolvers.outcome import Partial
from kotahub.resolvers.scope import RequestScope

Trend = Literal["up", "down", "flat"]


async def programs(scope: RequestScope, dimension: str | None) -> Partial[list[ProgramRecord]]:
    """Programs of one dimension (asked of the source by ``fq``), or of all."""
    keys = [(adapter.source, dimension) for adapter in scope.catalog.dimensions]
    found = await from_every_source(scope.loaders.programs, keys)
    if dimension is None:
        return found
    return Partial([p for p in found.value if p.dimension == dimension], found.failures)


async def dimension_programs(
    scope: RequestScope, code: str, alone: bool
) -> Partial[list[ProgramRecord]]:
    """A dimension's programs: searched by dimension when it is asked for alone; in the list
    of all six, one search for every program serves them all."""
    found = await programs(scope, code if alone else None)
    return Partial([p for p in found.value if p.dimension == code], found.failures)


def programs_loaded(
    scope: RequestScope, code: str, alone: bool
) -> Partial[list[ProgramRecord]] | None:
    """As ``dimension_programs``, when every source's programs are loaded already (by
    ``load_programs``); None when any is not."""
    dimension = code if alone else None
    keys = [(adapter.source, dimension) for adapter in scope.catalog.dimensions]
    found = loaded_all(scope.loaders.programs, keys)
    if found is None:
        return None
    return Partial([p for programs in found for p in programs if p.dimension == code])


async def load_programs(scope: RequestScope, with_indicators: bool) -> None:
    """Every program (and, ``with_indicators``, their indicator series) loaded at once for
    the six dimensions' fields to read without waiting; failures are left for them to report."""
    keys = [(adapter.source, None) for adapter in scope.catalog.dimensions]
    found = await load_all(scope.loaders.programs, keys)
    if with_indicators:
        programs = [p for each in found if not isinstance(each, BaseException) for p in each]
        resources = {(p.source, p.indicator_resource) for p in programs if p.indicator_resource}
        await load_all(scope.loaders.indicators, list(resources))


def program_indicators_loaded(
    scope: RequestScope, program: ProgramRecord
) -> Partial[list[IndicatorRecord]] | None:
    """As ``program_indicators``, when the series are loaded already; else None."""
    if program.indicator_resource is None:
        return Partial([])
    grouped = loaded(scope.loaders.indicators, (program.source, program.indicator_resource))
    return None if grouped is None else Partial(list(grouped.get(program.slug, [])))


async def live_indicators(scope: RequestScope, code: str) -> Partial[list[IndicatorRecord]]:
    """The dimension's indicators computed from the other domains, all at once."""
    results = await asyncio.gather(*(live.compute(scope) for live in LIVE_INDICATORS.get(code, ())))
    found = [result.value for result in results if result.value is not None]
    return Partial(found, tuple(f for result in results for f in result.failures))


async def program_indicators(
    scope: RequestScope, program: ProgramRecord
) -> Partial[list[IndicatorRecord]]:
    """A program's indicator series; many programs sharing a resource cost one search."""
    if program.indicator_resource is None:
        return Partial([])
    try:
        grouped = await scope.loaders.indicators.load((program.source, program.indicator_resource))
    except SourceError as exc:
        return Partial([], (exc,))
    return Partial(list(grouped.get(program.slug, [])))


def trend(indicator: IndicatorRecord) -> Trend | None:
    """Whether the value went up, down or stayed flat since the period before."""
    if len(indicator.points) < 2:
        return None
    change = indicator.points[-1].value - indicator.points[-2].value
    if abs(change) < 1e-9:
        return "flat"
    return "up" if change > 0 else "down"


def improving(indicator: IndicatorRecord) -> bool | None:
    """Whether the last change was for the better, given whether higher is better."""
    direction = trend(indicator)
    if direction is None or direction == "flat":
        return None if direction is None else False
    return (direction == "up") == indicator.higher_is_better


def meets_target(indicator: IndicatorRecord) -> bool | None:
    if indicator.target is None or not indicator.points:
        return None
    latest = indicator.points[-1].value
    return latest >= indicator.target if indicator.higher_is_better else latest <= indicator.target


async def program(scope: RequestScope, source: str, local_id: str) -> ProgramRecord | None:
    """One program by its source and the source's own id; None when it does not exist."""
    if source not in {adapter.source for adapter in scope.catalog.dimensions}:
        return None
    found = await scope.loaders.programs.load((source, None))
    return next((p for p in found if p.local_id == local_id), None)


async def indicator(
    scope: RequestScope, source: str, local_id: str
) -> tuple[ProgramRecord, IndicatorRecord] | None:
    """One indicator series by its id (``program-id/code``), with the program it measures."""
    program_id, _, code = local_id.rpartition("/")
    owner = await program(scope, source, program_id)
    if owner is None or owner.indicator_resource is None:
        return None
    grouped = await scope.loaders.indicators.load((source, owner.indicator_resource))
    return next(((owner, i) for i in grouped.get(owner.slug, ()) if i.code == code), None)


async def live_indicator(scope: RequestScope, code: str) -> Partial[IndicatorRecord | None]:
    """One live indicator by its code, computed now."""
    every = (live for group in LIVE_INDICATORS.values() for live in group)
    found = next((live for live in every if live.code == code), None)
    return await found.compute(scope) if found else Partial(None)
