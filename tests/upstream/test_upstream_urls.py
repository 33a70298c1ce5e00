"""Links inside a source, and URLs shown without their secrets."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kotahub.errors import SourcePayloadError
from kotahub.redaction import redact_url
from kotahub.upstream.source_settings import SourceSettings
from kotahub.upstream.urls import resolve_link, shown, shown_origin

BASE = "https://data.example/api/items?region=kaltim"


def test_links_resolve_against_the_page_they_came_from() -> None:
    page = "https://data.example/api/items?offset=10"
    assert resolve_link("s", BASE, "items?offset=20", page) == (
        "https://data.example/api/items?offset=20"
    )
    assert resolve_link("s", BASE, "") == BASE
    assert resolve_link("s", BASE, "https://data.example:443/x") == "https://data.example:443/x"


def test_links_to_another_origin_are_refused() -> None:
    with pytest.raises(SourcePayloadError, match="leaves the source's origin"):
        resolve_link("s", BASE, "https://evil.example/steal")
    with pytest.raises(SourcePayloadError):
        resolve_link("s", BASE, "http://data.example/api/items")  # scheme downgrade


def test_a_refused_link_names_the_origin_it_leads_to() -> None:
    page = "https://fhir.example/r4/Location?_count=50"
    with pytest.raises(SourcePayloadError) as caught:
        resolve_link("s", "https://fhir.example/r4", "http://hapi:8080/r4?_getpages=ab12", page)
    message = str(caught.value)
    assert "leaves the source's origin https://fhir.example for http://hapi:8080" in message
    assert "list it in the source's extra_origins" in message


def test_a_link_downgraded_to_plain_http_says_what_to_fix_instead_of_extra_origins() -> None:
    # HAPI behind a proxy that ends TLS writes its paging links with http:// unless told.
    base, page = "https://fhir.example/r4", "https://fhir.example/r4/Location?_count=50"
    with pytest.raises(SourcePayloadError) as caught:
        resolve_link("s", base, "http://fhir.example/r4?_getpages=ab12", page)
    message = str(caught.value)
    assert "for http://fhir.example, plain http while the source is reached over https" in message
    assert "extra_origins" not in message  # listing it there is refused: see below
    with pytest.raises(ValidationError, match="clear text"):
        _source(base, "http://fhir.example")


def test_links_to_an_extra_origin_are_followed() -> None:
    base, page = "https://fhir.example/r4", "https://fhir.example/r4/Location"
    cdn = "https://cdn.example/r4?_getpages=ab12&_getpagesoffset=50"
    assert resolve_link("s", base, cdn, page, ["https://cdn.example"]) == cdn
    assert resolve_link("s", base, "https://CDN.example:443/p", None, ["https://cdn.example"]) == (
        "https://CDN.example:443/p"
    )
    with pytest.raises(SourcePayloadError, match=r"for https://cdn\.example:8443"):
        resolve_link("s", base, "https://cdn.example:8443/p", page, ["https://cdn.example"])


def test_origins_are_shown_as_people_write_them() -> None:
    assert shown_origin("https://Fhir.Example:443/r4?x=1") == "https://fhir.example"
    assert shown_origin("http://127.0.0.1:8080/fhir") == "http://127.0.0.1:8080"
    assert shown_origin("http://[::1]:80/") == "http://[::1]"


def _source(base_url: str, *origins: str) -> SourceSettings:
    values = {"name": "s", "kind": "fhir-r4", "base_url": base_url, "extra_origins": origins}
    return SourceSettings.model_validate(values)


def test_extra_origins_are_bare_origins() -> None:
    given = _source("https://fhir.example/r4", "https://CDN.example:443/", "https://b.example:8443")
    assert given.extra_origins == ("https://cdn.example", "https://b.example:8443")
    for wrong in ("cdn.example", "https://cdn.example/r4", "https://u:pw@cdn.example", "ftp://x"):
        with pytest.raises(ValidationError, match="origin"):
            _source("https://fhir.example/r4", wrong)


def test_an_extra_origin_may_not_downgrade_to_plain_http() -> None:
    with pytest.raises(ValidationError, match="clear text"):
        _source("https://fhir.example/r4", "http://cdn.example")
    assert _source("http://fhir.internal/r4", "http://cdn.internal").extra_origins


def test_shown_urls_mask_secret_values() -> None:
    text = shown("https://x/items?limit=5&api_key=abc&access_token=def&q=pantai")
    assert text == "/items?limit=5&api_key=***&access_token=***&q=pantai"


def test_redis_urls_lose_their_password() -> None:
    assert redact_url("redis://:s3cret@cache:6379/0") == "redis://:***@cache:6379/0"
    assert redact_url("redis://user:s3cret@cache/0") == "redis://user:***@cache/0"
    assert redact_url("redis://cache:6379/0") == "redis://cache:6379/0"
