"""Settings from the environment and a TOML file; each fault is one line naming key and value."""

from __future__ import annotations

from pathlib import Path

import pytest

from kotahub.errors import ConfigError
from kotahub.hub.settings import load_settings, retired_settings

TOML = """
port = 9001
default_lang = "en"

[[sources]]
name = "tourism"
kind = "geojson"
base_url = "https://data.example.go.id/pariwisata/items"
ttl_seconds = 60
timeout_seconds = 4
token = "s3cret"
"""


def test_defaults_mean_the_embedded_city(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings = load_settings()
    assert settings.embedded
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.redis_url == "redis://127.0.0.1:6379/0"


def test_toml_file_lists_sources(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(TOML)
    settings = load_settings(path)
    assert settings.port == 9001 and settings.default_lang == "en"
    (source,) = settings.sources
    assert source.ttl_seconds == 60 and source.timeout_seconds == 4
    assert source.token is not None and "s3cret" not in repr(settings)


def test_environment_wins_over_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(TOML)
    monkeypatch.setenv("PORT", "9100")
    monkeypatch.setenv("KOTAHUB_DEFAULT_LANG", "id")
    settings = load_settings(path)
    assert settings.port == 9100 and settings.default_lang == "id"


@pytest.mark.parametrize(
    ("env", "value", "expected"),
    [
        (
            "PORT",
            "eighty",
            "invalid setting 'port' (environment KOTAHUB_PORT or PORT): got 'eighty'",
        ),
        ("KOTAHUB_DEFAULT_LANG", "fr", "got 'fr'; Input should be 'id' or 'en'"),
        ("KOTAHUB_CITY_TIMEZONE", "Mars/Olympus", "expected an IANA time zone"),
        (
            "KOTAHUB_SOURCES",
            '[{"name": "t", "kind": "geojson", "base_url": "nope"}]',
            "invalid setting 'sources.0.base_url'",
        ),
        (
            "KOTAHUB_SOURCES",
            '[{"name": "Bad Name", "kind": "geojson", "base_url": "http://x"}]',
            "invalid setting 'sources.0.name'",
        ),
        (
            "KOTAHUB_CACHE_REDIS_URL",
            "http://user:pw@cache:6379",
            "invalid setting 'cache_redis_url' (environment KOTAHUB_CACHE_REDIS_URL): "
            "got 'http://user:***@cache:6379'; Value error, expected a URL such as redis://",
        ),
    ],
)
def test_bad_values_are_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_secrets_are_not_echoed(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(TOML.replace('token = "s3cret"', "token = 12345"))
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert "12345" not in str(caught.value) and "sources.0.token" in str(caught.value)


def test_file_faults_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("port = = 1")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_settings(broken)
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "missing.toml")
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("colour = 'blue'")
    with pytest.raises(ConfigError, match="invalid setting 'colour'"):
        load_settings(unknown)


def test_an_unreadable_file_and_a_bad_value_in_a_file_are_named(tmp_path: Path) -> None:
    # What pydantic-settings' TomlConfigSettingsSource would not say: it skips a path that is
    # not a readable file (a directory, a typo) without a word, and names no file in errors.
    with pytest.raises(ConfigError, match=r"config file '.+' cannot be read: Is a directory"):
        load_settings(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text("port = 'eighty'")
    with pytest.raises(ConfigError) as caught:
        load_settings(bad)
    named = f"invalid setting 'port' in '{bad}' (environment KOTAHUB_PORT or PORT): got 'eighty'"
    assert named in str(caught.value)


def test_a_retired_setting_is_named_with_what_replaced_it() -> None:
    (warning,) = retired_settings({"KOTAHUB_INVALIDATION_TOKEN": "x" * 20, "HOME": "/root"})
    assert warning.startswith("KOTAHUB_INVALIDATION_TOKEN is no longer read: invalidateCache")
    assert "kotahub api-key NAME --scope admin" in warning
    assert retired_settings({"HOME": "/root"}) == []
