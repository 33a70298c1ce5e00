"""Hub settings from ``KOTAHUB_*`` environment variables and an optional TOML file."""

from __future__ import annotations

import re
import tempfile
import tomllib
import warnings
from collections.abc import Mapping
from ipaddress import ip_network
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from kotahub.config_errors import describe_validation_error
from kotahub.errors import ConfigError
from kotahub.hub.emergency_numbers import DEFAULT_EMERGENCY_CONTACTS, EmergencyContactSettings
from kotahub.hub.policy.api_keys import ApiKeySettings
from kotahub.hub.policy.rate_limits import RateLimitSettings
from kotahub.store.redis_connection import parse_redis_url
from kotahub.upstream.source_settings import SourceSettings as _SourceSettings

_ORIGIN = re.compile(r"^https?://[^/\s]+$")
_HOST_PATTERN = re.compile(r"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$")


_TILE_ORIGIN = re.compile(r"^https?://[^/\s{}]+(?:\{s\}[^/\s]*)?/|^https?://\{s\}[^/\s]*/")


class Settings(BaseSettings):
    """Everything the hub can be told; environment variables win over the config file."""

    model_config = SettingsConfigDict(
        env_prefix="KOTAHUB_", extra="forbid", populate_by_name=True, frozen=True
    )

    host: str = Field(
        default="127.0.0.1", validation_alias=AliasChoices("KOTAHUB_HOST", "HOST", "host")
    )
    port: int = Field(
        default=8000, ge=1, le=65535, validation_alias=AliasChoices("KOTAHUB_PORT", "PORT", "port")
    )
    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0",
        validation_alias=AliasChoices("KOTAHUB_REDIS_URL", "REDIS_URL", "redis_url"),
    )
    cache_redis_url: str | None = Field(
        default=None,
        description="A Redis of its own for all that may be lost: the upstream and response "
        "caches, persisted queries, generations, rate-limit counters, locks and invalidation "
        "messages; it may evict (allkeys-lru with a maxmemory). None: all in redis_url, whose "
        "Redis holds the complaint outbox and must never evict.",
    )
    sources: tuple[_SourceSettings, ...] = ()
    default_lang: Literal["id", "en"] = "id"
    city_timezone: str = "Asia/Makassar"
    cache_prefix: str = Field(default="kotahub", pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    memory_cache_entries: int = Field(default=2048, ge=16, le=1_000_000)
    redis_retry_seconds: float = Field(default=5.0, gt=0, le=3600)
    # Generous: under a burst of requests the event loop itself can lag by a second.
    redis_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    default_page_size: int = Field(default=20, ge=1, le=1000)
    max_page_size: int = Field(default=100, ge=1, le=1000)
    emergency_contacts: tuple[EmergencyContactSettings, ...] = DEFAULT_EMERGENCY_CONTACTS
    complaint_service_level_days: float = Field(default=14.0, gt=0, le=365)
    city_bounds: tuple[float, float, float, float] = (116.75, -1.40, 117.20, -0.95)
    delivery_worker: bool = True
    demo_data_dir: Path = Field(
        default_factory=lambda: Path(tempfile.gettempdir()) / "kotahub-demo"
    )
    delivery_retry_seconds: float = Field(default=2.0, gt=0, le=3600)
    delivery_reclaim_seconds: float = Field(default=30.0, gt=0, le=86_400)
    readiness_cache_seconds: float = Field(default=2.0, ge=0, le=300)
    graphiql: bool = True
    # Klik Balikpapan, the reference portal, at /portal/ (and / leads there when it is on).
    portal: bool = True
    portal_tile_url: str | None = Field(
        default=None,
        max_length=500,
        description="A map tile server for the portal, as Leaflet takes it "
        "(https://{s}.tile.example/{z}/{x}/{y}.png); unset, the map shows places and "
        "districts without tiles.",
    )
    portal_tile_attribution: str = Field(default="", max_length=300)
    stale_seconds: float = Field(default=600.0, ge=0, le=7 * 86_400)
    upstream_cache: bool = True
    response_cache: bool = True
    response_cache_max_seconds: float = Field(default=300.0, gt=0, le=86_400)
    # The deadline of one GraphQL request for all its upstream calls together (pages too).
    request_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    max_body_bytes: int = Field(default=1_048_576, ge=1024, le=64 * 1_048_576)
    # The HTTP server's bounds on connections (kotahub serve), before any request is read.
    header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="A request's line and headers must arrive whole within this long of the "
        "connection (or of their first byte on a kept-alive one), else it is closed.",
    )
    keep_alive_seconds: int = Field(
        default=5, ge=1, le=600, description="An idle kept-alive connection is closed after this."
    )
    max_connections: int = Field(
        default=1000,
        ge=1,
        le=100_000,
        description="Connections and requests in progress at once in one process; "
        "a request beyond them is answered 503 at once.",
    )
    max_header_bytes: int = Field(
        default=16_384,
        ge=1024,
        le=1_048_576,
        description="The largest request line and headers together; a larger one is a 400.",
    )
    shutdown_grace_seconds: int = Field(
        default=25,
        ge=1,
        le=3600,
        description="On SIGTERM, requests and subscriptions in progress get this long to end.",
    )
    # Live updates: subscriptions over WebSocket (graphql-transport-ws) and SSE (graphql-sse).
    live_poll_seconds: float = Field(
        default=30.0,
        ge=0.05,
        le=3600,
        description="How often the watcher asks the complaints sources about the complaints "
        "someone follows (one batched call per source, on one replica at a time).",
    )
    live_max_connections: int | None = Field(
        default=None,
        ge=1,
        le=100_000,
        description="WebSocket connections and SSE streams open at once in one process "
        "(unset: half of max_connections), below max_connections so that queries always "
        "have room; one more is refused (WebSocket close code 1013, SSE 503).",
    )
    live_max_connections_per_client: int = Field(
        default=20,
        ge=1,
        le=100_000,
        description="WebSocket connections and SSE streams open at once from one address "
        "in one process.",
    )
    live_max_per_connection: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="Subscriptions at once on one WebSocket connection.",
    )
    live_max_per_client: int = Field(
        default=50,
        ge=1,
        le=100_000,
        description="Subscriptions at once of one client (its API key, else its address) "
        "in one process, over both transports.",
    )
    live_heartbeat_seconds: float = Field(
        default=15.0,
        ge=0.05,
        le=600,
        description="A WebSocket ping, or an SSE comment, at least this often.",
    )
    live_idle_seconds: float = Field(
        default=60.0,
        ge=0.1,
        le=86_400,
        description="A WebSocket connection with no subscription for this long is closed.",
    )
    live_init_seconds: float = Field(
        default=10.0,
        ge=0.1,
        le=600,
        description="Time a WebSocket client has to send connection_init.",
    )
    # Query limits, each checked before anything runs.
    max_depth: int = Field(default=10, ge=1, le=100)
    max_fields: int = Field(default=200, ge=1, le=100_000)
    max_query_length: int = Field(default=32_768, ge=256, le=16 * 1_048_576)
    max_aliases: int = Field(default=30, ge=0, le=10_000)
    max_tokens: int = Field(default=5000, ge=100, le=1_000_000)
    max_directives: int = Field(default=50, ge=0, le=10_000)
    max_cost: int = Field(default=10_000, ge=1, le=100_000_000)
    list_size_estimate: int = Field(default=10, ge=1, le=10_000)
    # The longest text any argument or input field takes, in the document or the variables,
    # unless the schema declares a bound of its own (max_length, tighter for ids and codes).
    max_string_length: int = Field(default=1000, ge=16, le=1_048_576)
    max_batch_operations: int = Field(default=10, ge=1, le=1000)
    # Values in the JSON of one request (items of arrays and objects, an empty one counting
    # as one), counted before it is parsed: each costs the hub's layers a few microseconds,
    # and a 1 MB body can hold 680,000 of them.
    max_json_values: int = Field(default=10_000, ge=100, le=1_000_000)
    introspection: bool = True
    federation: bool = False  # serve the schema as an Apollo Federation v2 subgraph
    cors_origins: tuple[str, ...] = ("*",)
    trusted_proxies: tuple[str, ...] = ()
    trusted_hosts: tuple[str, ...] = Field(
        default=("*",),
        description="Host header values answered ('api.kota.example', '*.kota.example'); "
        "others get 400. '*' (the default) answers any: redirects never name a host anyway.",
    )
    api_keys: tuple[ApiKeySettings, ...] = ()
    rate_limits: RateLimitSettings = RateLimitSettings()
    persisted_queries: Literal["automatic", "only", "off"] = "automatic"
    persisted_queries_file: Path | None = None
    persisted_queries_keep_seconds: float = Field(
        default=86_400.0,
        gt=0,
        le=7 * 86_400,
        description="How long a document sent with its hash (automatic persisted queries) "
        "is kept after it was last sent; a client sends it again when it is gone.",
    )
    persisted_queries_max_documents: int = Field(
        default=1000,
        ge=1,
        le=100_000,
        description="The most documents kept for automatic persisted queries, all clients "
        "together; the oldest make room for a new one.",
    )
    persisted_queries_max_bytes: int = Field(
        default=4 * 1_048_576,
        ge=65_536,
        le=256 * 1_048_576,
        description="The most bytes of documents kept for automatic persisted queries, all "
        "clients together; the oldest make room for a new one.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["auto", "json", "text"] = "auto"  # auto: text at a terminal, else JSON

    @field_validator("portal_tile_url")
    @classmethod
    def _tile_template(cls, url: str | None) -> str | None:
        placeholders = ("{z}", "{x}", "{y}")
        if url is None or (_TILE_ORIGIN.match(url) and all(p in url for p in placeholders)):
            return url
        raise ValueError(
            f"{url!r} is not a map tile template; expected an http(s) URL with {{z}}, {{x}} "
            "and {y}, such as https://{s}.tile.example.org/{z}/{x}/{y}.png"
        )

    @field_validator("sources")
    @classmethod
    def _unique_source_names(
        cls, sources: tuple[_SourceSettings, ...]
    ) -> tuple[_SourceSettings, ...]:
        names = [source.name for source in sources]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"source names must be unique, but {duplicates} appear more than once")
        return sources

    @model_validator(mode="after")
    def _portal_needs_persisted_operations(self) -> Settings:
        if self.portal and self.persisted_queries == "off":
            raise ValueError(
                "the portal sends persisted operations only, which persisted_queries = 'off' "
                "refuses: set persisted_queries to 'automatic' or 'only', or portal = false"
            )
        return self

    @property
    def live_connections(self) -> int:
        """The live connections a process takes: as set, else half of max_connections."""
        return self.live_max_connections or max(1, self.max_connections // 2)

    @model_validator(mode="after")
    def _room_for_queries(self) -> Settings:
        if self.live_max_connections is not None and (
            self.live_max_connections >= self.max_connections
        ):
            raise ValueError(
                f"live_max_connections ({self.live_max_connections}) must be below "
                f"max_connections ({self.max_connections}): live connections count among all "
                "of a process's connections, and queries need room beside them"
            )
        return self

    @model_validator(mode="after")
    def _manifest_for_only(self) -> Settings:
        wanted = self.persisted_queries == "only" and self.persisted_queries_file is None
        if wanted and not self.portal:
            raise ValueError(
                "persisted_queries = 'only' runs nothing but the operations of a manifest; "
                "give persisted_queries_file too, turn the portal on (its operations are "
                "persisted), or use 'automatic'"
            )
        return self

    @field_validator("api_keys")
    @classmethod
    def _unique_keys(cls, keys: tuple[ApiKeySettings, ...]) -> tuple[ApiKeySettings, ...]:
        for attribute in ("name", "hash"):
            values = [getattr(key, attribute) for key in keys]
            if len(set(values)) != len(values):
                raise ValueError(f"each API key needs its own {attribute}; one appears twice")
        return keys

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, proxies: tuple[str, ...]) -> tuple[str, ...]:
        for proxy in proxies:
            try:
                ip_network(proxy)  # strict, as the proxy middleware reads it
            except ValueError as exc:
                raise ValueError(
                    f"expected addresses or networks such as '10.0.0.0/8' or '127.0.0.1', "
                    f"got {proxy!r} ({exc})"
                ) from exc
        return proxies

    @field_validator("trusted_hosts")
    @classmethod
    def _host_patterns(cls, hosts: tuple[str, ...]) -> tuple[str, ...]:
        for host in hosts:
            if host != "*" and not _HOST_PATTERN.match(host):
                raise ValueError(
                    "expected '*', host names such as 'api.kota.example', or a wildcard "
                    f"at the start only, such as '*.kota.example' (no port); got {host!r}"
                )
        return hosts

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        for origin in origins:
            if origin != "*" and not _ORIGIN.match(origin):
                raise ValueError(
                    f"expected '*' or origins such as 'https://portal.balikpapan.go.id' "
                    f"(scheme and host, no path), got {origin!r}"
                )
        return origins

    @field_validator("redis_url", "cache_redis_url")
    @classmethod
    def _redis_url(cls, url: str | None) -> str | None:
        if url is not None:
            parse_redis_url(url)
        return url

    @field_validator("city_timezone")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"expected an IANA time zone such as 'Asia/Makassar', got {name!r}"
            ) from exc
        return name

    @property
    def embedded(self) -> bool:
        """True when no sources are configured and the built-in reference upstreams are used."""
        return not self.sources

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Values from the config file arrive as init kwargs; the environment overrides them.
        return (env_settings, init_settings)


RETIRED = {
    "KOTAHUB_INVALIDATION_TOKEN": "invalidateCache now needs an API key with the admin scope; "
    "make one with 'kotahub api-key NAME --scope admin' and configure its hash in api_keys",
}


def retired_settings(environment: Mapping[str, str]) -> list[str]:
    """Warnings for settings the hub no longer reads, with what replaced them."""
    return [
        f"{name} is no longer read: {why}" for name, why in RETIRED.items() if name in environment
    ]


def load_settings(config_file: Path | None = None) -> Settings:
    """Read the environment and the optional TOML file; any fault becomes one ConfigError line."""
    values = _read_toml(config_file) if config_file else {}
    try:
        return Settings(**values)
    except ValidationError as exc:
        origin = f" in '{config_file}'" if config_file else ""
        raise ConfigError(describe_validation_error(exc, origin, environment=ENVIRONMENT)) from exc
    except SettingsError as exc:
        # Raised when an environment variable holding JSON (KOTAHUB_SOURCES) does not parse.
        cause = exc.__cause__ or exc
        raise ConfigError(
            f"invalid setting: {exc}; expected JSON, such as "
            f'KOTAHUB_SOURCES=\'[{{"name": "tourism", "kind": "geojson", "base_url": "…"}}]\' '
            f"({type(cause).__name__}: {cause})"
        ) from exc


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file '{path}' does not exist; expected a TOML file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file '{path}' is not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"config file '{path}' cannot be read: {exc.strerror}") from exc


# The variables that set a field, where they are not simply KOTAHUB_<FIELD>.
ENVIRONMENT = {
    "host": "KOTAHUB_HOST or HOST",
    "port": "KOTAHUB_PORT or PORT",
    "redis_url": "KOTAHUB_REDIS_URL or REDIS_URL",
    "federation": "KOTAHUB_FEDERATION",
}


def __getattr__(name: str) -> Any:
    """``SourceSettings`` from here is deprecated: it is the partner SDK's (``kotahub.sdk``)."""
    if name == "SourceSettings":
        warnings.warn(
            "kotahub.hub.settings.SourceSettings is deprecated and goes in the next release; "
            "import it from kotahub.sdk",
            DeprecationWarning,
            stacklevel=2,
        )
        return _SourceSettings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
