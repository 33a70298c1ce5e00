"""The registry of built-in adapters."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kotahub.adapters.registry import BUILTIN_ADAPTERS
from kotahub.contract import Adapter
from kotahub.errors import ConfigError


def test_unknown_kind_lists_the_known_ones(make_adapter: Callable[..., Adapter]) -> None:
    with pytest.raises(ConfigError) as caught:
        make_adapter(name="t", kind="wfs", base_url="http://x.test/")
    assert str(caught.value) == (
        "source 't': unknown adapter kind 'wfs'; known kinds: ckan, fhir-r4, geojson, json, open311"
    )


# The json adapter's domain and fields are configuration: it has no options by default.
LEAST_OPTIONS = {"json": {"domain": "tourism", "fields": {"id": "id", "name": "name"}}}


def test_every_adapter_names_its_kind_domain_and_options() -> None:
    for kind, factory in BUILTIN_ADAPTERS.items():
        assert factory.kind == kind  # type: ignore[attr-defined]
        # One domain, or (json) the domains its options may choose from.
        domains = getattr(factory, "domains", None) or (factory.domain,)  # type: ignore[attr-defined]
        assert set(domains) <= {"tourism", "health", "complaints", "dimensions"}
        options = LEAST_OPTIONS.get(kind, {})
        assert factory.options_model.model_validate(options) is not None
