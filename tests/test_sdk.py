"""The partner SDK: the names it declares, the examples that use only it, the old addresses."""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest

import kotahub.sdk as sdk

EXAMPLES = Path(__file__).parent.parent / "docs" / "examples"
# What partners are promised; a change here is a change of the SDK, made on purpose.
DECLARED = {
    "Adapter", "AdapterFactory", "AttributeValue", "CategoryAttribute", "ComplaintCategoryRecord",
    "ComplaintQuery", "ComplaintRecord", "ComplaintStatus", "ComplaintSubmission",
    "ComplaintsAdapter", "ComplaintsById", "ComplaintsLookup", "ConfigError", "Contact",
    "DimensionCode", "DimensionsAdapter", "Domain", "FacilityType", "Fetched", "GeoPoint",
    "HealthAdapter", "HealthFacilityRecord", "HealthServiceRecord", "IndicatorPoint",
    "IndicatorRecord", "KotaHubError", "Lang", "LocalizedText", "Near", "NoOptions", "ParamValue",
    "ProgramRecord", "Provenance", "Receipt", "SourceError", "SourceHTTPError",
    "SourcePayloadError", "SourceSession", "SourceSettings", "SourceUnavailable", "Skip",
    "TicketPrice",
    "TourismAdapter", "TouristSpotRecord", "UncertainPost", "UnusableRecord",
}  # fmt: skip
OLD_ADDRESSES = (
    "kotahub.hub.errors",
    "kotahub.hub.source_client",
    "kotahub.hub.upstream_urls",
    "kotahub.adapters.contract",
)


def test_the_sdk_declares_exactly_what_partners_are_promised() -> None:
    assert set(sdk.__all__) == DECLARED
    assert sdk.__all__ == sorted(sdk.__all__)
    assert all(getattr(sdk, name, None) is not None for name in sdk.__all__)


def test_the_sdk_hands_on_nothing_it_does_not_declare() -> None:
    public = {name for name in vars(sdk) if not name.startswith("_")} - {"annotations"}
    assert public == DECLARED


def _kotahub_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    found |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    return {name for name in found if name.split(".")[0] == "kotahub"}


def test_the_worked_examples_import_only_the_sdk() -> None:
    examples = sorted(EXAMPLES.glob("*.py"))
    assert examples, f"no examples in {EXAMPLES}"
    for example in examples:
        assert _kotahub_imports(example) <= {"kotahub.sdk"}, example.name


@pytest.mark.parametrize("address", OLD_ADDRESSES)
def test_an_old_address_still_works_and_says_it_is_going(address: str) -> None:
    sys.modules.pop(address, None)
    with pytest.warns(DeprecationWarning, match="kotahub.sdk"):
        module = importlib.import_module(address)
    assert module.SourceSession is sdk.SourceSession
    assert module.SourcePayloadError is sdk.SourcePayloadError


# What each old address held before the SDK: an adapter written then may import any of it.
OLD_NAMES = {
    "kotahub.hub.errors": (
        "KotaHubError", "ConfigError", "ClientInputError", "NotAllowed", "SourceError",
        "SourceUnavailable", "SourceTimeout", "RequestDeadlineExceeded", "SourceCircuitOpen",
        "SourceHTTPError", "SourcePayloadError",
    ),
    "kotahub.hub.source_client": (
        "RECENT_ANSWER_BYTES", "Fetched", "SourceClient", "SourceSession",
    ),
    "kotahub.hub.upstream_urls": (
        "Scalar", "ParamValue", "resolve_link", "origin", "shown", "public_url", "normalized_url",
    ),
}  # fmt: skip


@pytest.mark.parametrize("address", OLD_NAMES)
def test_an_old_address_still_hands_on_every_name_it_had(address: str) -> None:
    sys.modules.pop(address, None)
    with pytest.warns(DeprecationWarning, match="kotahub.sdk"):
        module = importlib.import_module(address)
    missing = [name for name in OLD_NAMES[address] if not hasattr(module, name)]
    assert not missing, f"{address} no longer has {missing}: adapters importing them break"


def test_source_settings_from_the_hub_settings_says_it_is_going() -> None:
    import kotahub.hub.settings as hub_settings

    with pytest.warns(DeprecationWarning, match="kotahub.sdk"):
        old = hub_settings.SourceSettings
    assert old is sdk.SourceSettings
