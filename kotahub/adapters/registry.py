"""The explicit registry of built-in adapters, keyed by the ``kind`` a source names."""

from __future__ import annotations

import logging

from pydantic import ValidationError

from kotahub.adapters.ckan import CKANDimensionsAdapter
from kotahub.adapters.contract import Adapter, AdapterFactory
from kotahub.adapters.fhir import FHIRHealthAdapter
from kotahub.adapters.geojson import GeoJSONTourismAdapter
from kotahub.adapters.open311 import Open311ComplaintsAdapter
from kotahub.hub.errors import ConfigError
from kotahub.hub.settings import SourceSettings, describe_validation_error
from kotahub.hub.source_client import SourceClient

BUILTIN_ADAPTERS: dict[str, AdapterFactory] = {
    GeoJSONTourismAdapter.kind: GeoJSONTourismAdapter,
    FHIRHealthAdapter.kind: FHIRHealthAdapter,
    Open311ComplaintsAdapter.kind: Open311ComplaintsAdapter,
    CKANDimensionsAdapter.kind: CKANDimensionsAdapter,
}


def adapter_factory(settings: SourceSettings) -> AdapterFactory:
    """The adapter class for a source, its options checked; faults are one-line ConfigErrors."""
    factory = BUILTIN_ADAPTERS.get(settings.kind)
    if factory is None:
        known = ", ".join(sorted(BUILTIN_ADAPTERS))
        raise ConfigError(
            f"source '{settings.name}': unknown adapter kind {settings.kind!r}; "
            f"known kinds: {known}"
        )
    try:
        factory.options_model.model_validate(settings.options)
    except ValidationError as exc:
        where = f" (an option of the {settings.kind} adapter)"
        prefix = f"sources.{settings.name}.options"
        raise ConfigError(describe_validation_error(exc, origin=where, prefix=prefix)) from exc
    return factory


def build_adapter(settings: SourceSettings, client: SourceClient) -> Adapter:
    """The adapter for one configured source, on its own session of the shared client."""
    logger = logging.getLogger(f"kotahub.adapters.{settings.name}")
    return adapter_factory(settings)(settings, client.session(settings), logger)
