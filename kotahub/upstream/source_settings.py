"""One upstream source's settings: who it is, which adapter speaks to it, where and how."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
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

SourceName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,62}$")]


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
