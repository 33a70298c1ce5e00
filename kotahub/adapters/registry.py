"""The explicit registry of built-in adapters, keyed by the ``kind`` a source names."""

from __future__ import annotations

import logging

from pydantic import ValidationError

from kotahub.adapters.ckan import CKANDimensionsAdapter
from kotahub.adapters.fhir import FHIRHealthAdapter
from kotahub.adapters.geojson import GeoJSONTourismAdapter
from kotahub.adapters.json_mapped import JSON_ADAPTERS
from kotahub.adapters.open311 import Open311ComplaintsAdapter
from kotahub.adapters.plugins import installed_kinds, plugin_factory, warn_shadowed
from kotahub.config_errors import describe_validation_error
from kotahub.contract import Adapter, AdapterFactory
from kotahub.errors import ConfigError
from kotahub.upstream.client import SourceClient
from kotahub.upstream.source_settings import SourceSettings

BUILTIN_ADAPTERS: dict[str, AdapterFactory] = {
    GeoJSONTourismAdapter.kind: GeoJSONTourismAdapter,
    FHIRHealthAdapter.kind: FHIRHealthAdapter,
    Open311ComplaintsAdapter.kind: Open311ComplaintsAdapter,
    CKANDimensionsAdapter.kind: CKANDimensionsAdapter,
    JSON_ADAPTERS.kind: JSON_ADAPTERS,
}


def adapter_factory(settings: SourceSettings) -> AdapterFactory:
    """The adapter class for a source, built in or else installed, its options checked;
    faults are one-line ConfigErrors."""
    factory = BUILTIN_ADAPTERS.get(settings.kind) or plugin_factory(settings.kind)
    if factory is None:
        raise ConfigError(
            f"source '{settings.name}': unknown adapter kind {settings.kind!r}; {_known_kinds()}"
        )
    try:
        factory.options_model.model_validate(settings.options)
    except ValidationError as exc:
        where = f" (an option of the {settings.kind} adapter)"
        prefix = f"sources.{settings.name}.options"
        raise ConfigError(describe_validation_error(exc, origin=where, prefix=prefix)) from exc
    return factory


def check_kinds() -> None:
    """Warn of installed plug-ins that built-in kinds hide; once, at start-up."""
    warn_shadowed(BUILTIN_ADAPTERS)


def _known_kinds() -> str:
    known = f"known kinds: {', '.join(sorted(BUILTIN_ADAPTERS))}"
    plugins = [kind for kind in installed_kinds() if kind not in BUILTIN_ADAPTERS]
    return f"{known}; installed plug-ins: {', '.join(plugins)}" if plugins else known


def build_adapter(settings: SourceSettings, client: SourceClient) -> Adapter:
    """The adapter for one configured source, on its own session of the shared client."""
    logger = logging.getLogger(f"kotahub.adapters.{settings.name}")
    return adapter_factory(settings)(settings, client.session(settings), logger)
