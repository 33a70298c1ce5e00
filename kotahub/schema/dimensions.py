"""The six smart-city dimensions in GraphQL: programs, indicator series and live indicators."""

from __future__ import annotations

from enum import Enum

import strawberry

from kotahub.records import (
    CITY_SOURCE,
    DIMENSION_CODES,
    HUB_SOURCE,
    IndicatorRecord,
    ProgramRecord,
)
from kotahub.resolvers import dimensions
from kotahub.resolvers.city_items import indicator_id
from kotahub.resolvers.smart_city import DIMENSIONS, DimensionInfo
from kotahub.schema.common import Lang, SourceMeta, in_lang, maybe_in_lang
from kotahub.schema.context import Info
from kotahub.schema.lookahead import asks_for, later
from kotahub.schema.node import GlobalId, Node

PROGRAM = "Program"
INDICATOR = "Indicator"
DIMENSION = "Dimension"


@strawberry.enum(description="Balikpapan's six smart-city dimensions.")
class DimensionCode(Enum):
    GOVERNANCE = "governance"
    BRANDING = "branding"
    ECONOMY = "economy"
    LIVING = "living"
    SOCIETY = "society"
    ENVIRONMENT = "environment"


@strawberry.enum(description="Change since the period before.")
class Trend(Enum):
    UP = "up"
    DOWN = "down"
    FLAT = "flat"


@strawberry.type(description="One value of an indicator.")
class IndicatorValue:
    period: str
    value: float


@strawberry.type(description="A part of a live indicator's value, such as one kecamatan.")
class BreakdownItem:
    label: str
    value: float


@strawberry.type(description="A measure of progress, from the open-data portal or computed live.")
class Indicator(Node):
    record: strawberry.Private[IndicatorRecord]

    @classmethod
    def of(cls, record: IndicatorRecord, program: ProgramRecord) -> Indicator:
        local_id = indicator_id(program, record.code)
        return cls(id=GlobalId(INDICATOR, program.source, local_id).encode(), record=record)

    @classmethod
    def computed(cls, record: IndicatorRecord) -> Indicator:
        return cls(id=GlobalId(INDICATOR, HUB_SOURCE, record.code).encode(), record=record)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Indicator | None:
        """The indicator a supergraph names by its key (federation's ``_entities``)."""
        return await indicator_by_global_id(info, GlobalId.of_type(id, INDICATOR))

    @strawberry.field
    def code(self) -> str:
        return self.record.code

    @strawberry.field
    def name(self, info: Info, lang: Lang | None = None) -> str:
        return in_lang(self.record.name, lang, info.context.scope.lang)

    @strawberry.field
    def unit(self) -> str | None:
        return self.record.unit

    @strawberry.field
    def target(self) -> float | None:
        return self.record.target

    @strawberry.field(description="True when a higher value is better.")
    def higher_is_better(self) -> bool:
        return self.record.higher_is_better

    @strawberry.field(description="The values, oldest first.", metadata={"list_size": 12})
    def series(self) -> list[IndicatorValue]:
        return [IndicatorValue(period=p.period, value=p.value) for p in self.record.points]

    @strawberry.field
    def latest(self) -> IndicatorValue | None:
        last = self.record.points[-1] if self.record.points else None
        return IndicatorValue(period=last.period, value=last.value) if last else None

    @strawberry.field(description="Whether the latest value went up, down or stayed flat.")
    def trend(self) -> Trend | None:
        found = dimensions.trend(self.record)
        return Trend(found) if found else None

    @strawberry.field(description="Whether the last change was for the better.")
    def improving(self) -> bool | None:
        return dimensions.improving(self.record)

    @strawberry.field(description="Whether the latest value meets the target.")
    def meets_target(self) -> bool | None:
        return dimensions.meets_target(self.record)

    @strawberry.field(description="The ISO 37120 theme it belongs to.")
    def iso37120_theme(self) -> str | None:
        return self.record.iso_theme

    @strawberry.field(description="How often it is measured (FIWARE KeyPerformanceIndicator).")
    def frequency(self) -> str | None:
        return self.record.frequency

    @strawberry.field
    def calculation_period(self) -> str | None:
        return self.record.calculation_period

    @strawberry.field(description="Who measured it.")
    def data_source(self) -> str | None:
        return self.record.data_source

    @strawberry.field(description="True for sample values.")
    def sample(self) -> bool:
        return self.record.sample

    @strawberry.field(description="True when computed by the hub from live data at query time.")
    def live(self) -> bool:
        return self.record.method is not None

    @strawberry.field(description="How a live indicator is computed.")
    def method(self, info: Info, lang: Lang | None = None) -> str | None:
        text = self.record.method
        return maybe_in_lang(text, lang, info.context.scope.lang)

    @strawberry.field(description="The sources a live indicator is computed from.")
    def computed_from(self) -> list[str]:
        return list(self.record.inputs)

    @strawberry.field
    def breakdown(self) -> list[BreakdownItem]:
        return [BreakdownItem(label=label, value=value) for label, value in self.record.breakdown]

    @strawberry.field
    def meta(self) -> SourceMeta:
        return SourceMeta.of(self.record.provenance)


@strawberry.type(description="A smart-city program under a dimension.")
class Program(Node):
    record: strawberry.Private[ProgramRecord]

    @classmethod
    def of(cls, record: ProgramRecord) -> Program:
        return cls(id=GlobalId(PROGRAM, record.source, record.local_id).encode(), record=record)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Program | None:
        """The program a supergraph names by its key (federation's ``_entities``)."""
        return await program_by_global_id(info, GlobalId.of_type(id, PROGRAM))

    @strawberry.field(description="The open-data portal's own id of the program.")
    def source_id(self) -> str:
        return self.record.local_id

    @strawberry.field(description="The dimension it serves.")
    def dimension(self) -> DimensionCode | None:
        code = self.record.dimension
        return DimensionCode(code) if code in DIMENSION_CODES else None

    @strawberry.field
    def name(self, info: Info, lang: Lang | None = None) -> str:
        return in_lang(self.record.name, lang, info.context.scope.lang)

    @strawberry.field
    def description(self, info: Info, lang: Lang | None = None) -> str | None:
        text = self.record.description
        return maybe_in_lang(text, lang, info.context.scope.lang)

    @strawberry.field(description="The agency responsible for it.")
    def agency(self) -> str | None:
        return self.record.agency

    @strawberry.field(description="As the portal states it, e.g. berjalan (running).")
    def status(self) -> str | None:
        return self.record.status

    @strawberry.field
    def links(self) -> list[str]:
        return list(self.record.links)

    @strawberry.field
    def tags(self) -> list[str]:
        return list(self.record.tags)

    @strawberry.field(metadata={"list_size": 5})
    def indicators(self, info: Info) -> list[Indicator]:
        found = dimensions.program_indicators_loaded(info.context.scope, self.record)
        if found is None:
            return later(self._indicators(info))
        return [Indicator.of(record, self.record) for record in found.value]

    async def _indicators(self, info: Info) -> list[Indicator]:
        found = await dimensions.program_indicators(info.context.scope, self.record)
        info.context.report(found.failures, info)
        return [Indicator.of(record, self.record) for record in found.value]

    @strawberry.field
    def meta(self) -> SourceMeta:
        return SourceMeta.of(self.record.provenance)


@strawberry.type(description="One of the six smart-city dimensions and what it is doing.")
class Dimension(Node):
    info: strawberry.Private[DimensionInfo]
    alone: strawberry.Private[bool] = False  # asked for by itself, not in the list of six

    @classmethod
    def of(cls, info: DimensionInfo, alone: bool = False) -> Dimension:
        return cls(id=GlobalId(DIMENSION, CITY_SOURCE, info.code).encode(), info=info, alone=alone)

    @classmethod
    async def resolve_reference(
        cls, info: Info, code: DimensionCode | None = None, id: strawberry.ID | None = None
    ) -> Dimension | None:
        """The dimension a supergraph names by its code or its id."""
        if code is not None:
            return resolve_dimension(info, code)
        return await dimension_by_global_id(info, GlobalId.of_type(id or "", DIMENSION))

    @strawberry.field
    def code(self) -> DimensionCode:
        return DimensionCode(self.info.code)

    @strawberry.field
    def name(self, info: Info, lang: Lang | None = None) -> str:
        return in_lang(self.info.name, lang, info.context.scope.lang)

    @strawberry.field
    def description(self, info: Info, lang: Lang | None = None) -> str:
        return in_lang(self.info.description, lang, info.context.scope.lang)

    @strawberry.field
    def programs(self, info: Info) -> list[Program]:
        scope, code = info.context.scope, self.info.code
        found = dimensions.programs_loaded(scope, code, self.alone)
        if found is None:
            return later(self._programs(info))
        return [Program.of(p) for p in found.value]

    async def _programs(self, info: Info) -> list[Program]:
        found = await dimensions.dimension_programs(info.context.scope, self.info.code, self.alone)
        info.context.report(found.failures, info)
        return [Program.of(p) for p in found.value]

    @strawberry.field(
        description="Indicators the hub computes live from the other domains.",
        metadata={"list_size": 5},
    )
    async def live_indicators(self, info: Info) -> list[Indicator]:
        found = await dimensions.live_indicators(info.context.scope, self.info.code)
        info.context.report(found.failures, info)
        return [Indicator.computed(record) for record in found.value]


async def resolve_dimensions(info: Info) -> list[Dimension]:
    if asks_for(info, "programs"):  # one load for the six, read by each without waiting
        scope = info.context.scope
        await dimensions.load_programs(scope, asks_for(info, "programs", "indicators"))
    return [Dimension.of(dimension) for dimension in DIMENSIONS]


def resolve_dimension(info: Info, code: DimensionCode) -> Dimension | None:
    return next((Dimension.of(d, alone=True) for d in DIMENSIONS if d.code == code.value), None)


async def dimension_by_global_id(info: Info, gid: GlobalId) -> Dimension | None:
    if gid.source != CITY_SOURCE:
        return None
    return next((Dimension.of(d, alone=True) for d in DIMENSIONS if d.code == gid.local_id), None)


async def program_by_global_id(info: Info, gid: GlobalId) -> Program | None:
    record = await dimensions.program(info.context.scope, gid.source, gid.local_id)
    return Program.of(record) if record else None


async def indicator_by_global_id(info: Info, gid: GlobalId) -> Indicator | None:
    scope = info.context.scope
    if gid.source == HUB_SOURCE:
        computed = await dimensions.live_indicator(scope, gid.local_id)
        info.context.report(computed.failures, info)
        return Indicator.computed(computed.value) if computed.value else None
    found = await dimensions.indicator(scope, gid.source, gid.local_id)
    return Indicator.of(found[1], found[0]) if found else None
