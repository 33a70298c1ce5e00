"""The registry of built-in adapters."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kotahub.adapters.contract import Adapter
from kotahub.adapters.registry import BUILTIN_ADAPTERS
from kotahub.hub.errors import ConfigError


def test_unknown_kind_lists_the_known_ones(make_adapter: Callable[..., Adapter]) -> None:
    with pytest.raises(ConfigError) as caught:
        make_adapter(name="t", kind="wfs", base_url="http://x.test/")
    assert str(caught.value) == (
        "source 't': unknown adapter kind 'wfs'; known kinds: ckan, fhir-r4, geojson, open311"
    )


def test_every_adapter_names_its_kind_domain_and_options() -> None:
    for kind, factory in BUILTIN_ADAPTERS.items():
        assert factory.kind == kind  # type: ignore[attr-defined]
        assert factory.domain in ("tourism", "health", "complaints", "dimensions")  # type: ignore[attr-defined]
        assert factory.options_model.model_validate({}) is not None
