"""One upstream source's settings: who it is, which adapter speaks to it, where and how."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    JsonValue,
    SecretStr,
    field_validator,
    model_validator,
)

from kotahub.records import RESERVED_SOURCE_NAMES
from kotahub.upstream.oauth import OAuthSettings
from kotahub.upstream.urls import shown_origin

SourceName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,62}$")]


def _bare_origin(value: str) -> str:
    """``scheme://host[:port]`` and nothing more, written without a default port."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an origin: give scheme://host[:port], such as https://cdn.example")
    extra = parts.username or parts.password or parts.query or parts.fragment
    if extra or parts.path not in ("", "/"):
        raise ValueError("an origin is scheme://host[:port] only: no user, path or query")
    parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    return shown_origin(value.strip())


Origin = Annotated[str, AfterValidator(_bare_origin)]


class SourceSettings(BaseModel):
    """One upstream source: who it is, which adapter speaks to it, where and how."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: SourceName
    kind: str = Field(min_length=1)
    base_url: HttpUrl
    token: SecretStr | None = None
    oauth: OAuthSettings | None = None
    api_key: SecretStr | None = None
    ttl_seconds: float = Field(default=300.0, gt=0, le=86_400)
    # After its time to live, an answer is still served for this long while one refresh
    # runs, and whenever the upstream fails; None: the hub's stale_seconds.
    stale_seconds: float | None = Field(default=None, ge=0, le=7 * 86_400)
    # The deadline of one call, retries included; connecting and each read have their own.
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    connect_timeout_seconds: float = Field(default=3.0, gt=0, le=120)
    read_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    retries: int = Field(default=2, ge=0, le=10)  # of idempotent requests only
    max_response_bytes: int = Field(default=10 * 1_048_576, ge=1024, le=1024 * 1_048_576)
    breaker_failures: int = Field(default=5, ge=1, le=1000)
    breaker_reset_seconds: float = Field(default=30.0, gt=0, le=3600)
    options: dict[str, JsonValue] = Field(default_factory=dict)  # tables nest (json kind)
    # Other origins that serve this source (a proxy's public name, a CDN for its pages):
    # links there are followed, with the source's credentials, as if on base_url's origin.
    extra_origins: tuple[Origin, ...] = ()

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, name: str) -> str:
        if name in RESERVED_SOURCE_NAMES:
            reserved = ", ".join(sorted(RESERVED_SOURCE_NAMES))
            raise ValueError(f"{name!r} is reserved for the hub's own data; not one of {reserved}")
        return name

    @model_validator(mode="after")
    def _one_credential(self) -> SourceSettings:
        if self.token is not None and self.oauth is not None:
            raise ValueError("give either token or oauth, not both")
        return self

    @model_validator(mode="after")
    def _no_downgrade(self) -> SourceSettings:
        plain = [o for o in self.extra_origins if o.startswith("http:")]
        if self.base_url.scheme == "https" and plain:
            raise ValueError(
                f"extra_origins {plain[0]} is plain http while base_url is https: the "
                "source's credentials would travel in clear text"
            )
        return self
