"""Third-party adapters, found through the ``kotahub.adapters`` entry-point group."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from importlib.metadata import EntryPoint, entry_points
from typing import Any, get_args

from pydantic import BaseModel

from kotahub.sdk import AdapterFactory, ConfigError, Domain

GROUP = "kotahub.adapters"
# What the hub calls on an adapter of each domain, beside ``source`` and ``probe``.
DOMAIN_METHODS: Mapping[str, tuple[str, ...]] = {
    "tourism": ("spots",),
    "health": ("facilities",),
    "complaints": ("categories", "complaints", "complaint", "submit", "id_for_token"),
    "dimensions": ("programs", "indicators"),
}

log = logging.getLogger("kotahub.adapters")


def installed_kinds() -> list[str]:
    """The kinds that installed distributions offer, loaded or not."""
    return sorted({point.name for point in entry_points(group=GROUP)})


def plugin_factory(kind: str) -> AdapterFactory | None:
    """The factory an installed distribution offers for ``kind``, loaded and checked;
    None if none does. A plug-in that cannot be used is a ConfigError naming it."""
    points = list(entry_points(group=GROUP, name=kind))
    if not points:
        return None
    if len({_distribution(point) for point in points}) > 1:
        offered = ", ".join(sorted(_distribution(point) for point in points))
        raise ConfigError(f"adapter kind {kind!r} is offered by several distributions: {offered}")
    point = points[0]
    try:
        loaded = point.load()
    except Exception as exc:  # any import-time fault of a partner's code stops start-up
        raise ConfigError(
            f"{_described(point)} cannot be loaded: {type(exc).__name__}: {exc}"
        ) from exc
    problem = factory_problem(kind, loaded)
    if problem is not None:
        raise ConfigError(f"{_described(point)} is not a usable adapter factory: {problem}")
    factory: AdapterFactory = loaded
    return factory


def warn_shadowed(builtin: Mapping[str, object]) -> None:
    """Log each installed plug-in that a built-in kind of the same name hides."""
    for point in entry_points(group=GROUP):
        if point.name in builtin:
            log.warning(
                "%s is ignored: %r is a built-in adapter kind", _described(point), point.name
            )


def factory_problem(kind: str, factory: Any) -> str | None:
    """What keeps ``factory`` from serving as the adapter class of ``kind``; None if nothing."""
    if not callable(factory):
        return f"got {type(factory).__name__} {factory!r}, expected an adapter class"
    options = getattr(factory, "options_model", None)
    if not (isinstance(options, type) and issubclass(options, BaseModel)):
        return f"its options_model is {options!r}, expected a pydantic model class"
    if getattr(factory, "kind", None) != kind:
        return f"its kind is {getattr(factory, 'kind', None)!r}, expected {kind!r}"
    domain = getattr(factory, "domain", None)
    if not isinstance(domain, str) or domain not in get_args(Domain):
        return f"its domain is {domain!r}, expected one of {', '.join(get_args(Domain))}"
    needed = ("probe", *DOMAIN_METHODS[domain])
    missing = [name for name in needed if not callable(getattr(factory, name, None))]
    if missing:
        return f"it lacks {', '.join(missing)}, which a {domain} adapter needs"
    return None


def _distribution(point: EntryPoint) -> str:
    dist = point.dist
    return f"{dist.name} {dist.version}" if dist is not None else "an unknown distribution"


def _described(point: EntryPoint) -> str:
    return f"adapter plug-in {point.name!r} ({point.value}, from {_distribution(point)})"
