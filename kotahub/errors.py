"""The one exception tree of KotaHub.

::

    KotaHubError                     anything the hub raises on purpose
    ├── ConfigError                  a setting or config file is wrong; stops start-up
    ├── ClientInputError             a client sent a value the API cannot use
    ├── NotAllowed                   the request lacks the right to do what it asks
    ├── TooManySubscriptions         a client already holds as many subscriptions as allowed
    └── SourceError                  an upstream source could not give a usable answer
        ├── SourceUnavailable        the connection failed or the source is unknown here
        │   ├── SourceTimeout        the source did not answer within its timeout
        │   │   └── RequestDeadlineExceeded  … or before the request's own deadline
        │   └── SourceCircuitOpen    recent calls failed: the breaker fails fast for a while
        ├── SourceHTTPError          the source answered with an HTTP error status
        └── SourcePayloadError       the answer is not valid JSON or not the protocol's shape

Errors meant for clients carry a stable ``code`` that GraphQL responses put in
``extensions.code``; source errors also name the ``source``. Library errors
(httpx, redis, pydantic) are translated at the edge with ``raise … from exc``.
"""

from __future__ import annotations


class KotaHubError(Exception):
    """Base of every error the hub raises on purpose."""

    code = "INTERNAL_SERVER_ERROR"


class ConfigError(KotaHubError):
    """A setting, environment variable or config file holds a value the hub cannot use."""

    code = "CONFIG_ERROR"


class ClientInputError(KotaHubError):
    """A client sent a value the API cannot use; the message says what was expected."""

    code = "BAD_USER_INPUT"


class NotAllowed(KotaHubError):
    """The request lacks the right to do what it asks; the message says what it needs."""

    code = "FORBIDDEN"


class TooManySubscriptions(KotaHubError):
    """A client already holds as many subscriptions as it may; one must end first."""

    code = "TOO_MANY_SUBSCRIPTIONS"


class SourceError(KotaHubError):
    """An upstream source could not give a usable answer."""

    code = "UPSTREAM_ERROR"

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"source '{source}': {message}")
        self.source = source
        self.detail = message


class SourceUnavailable(SourceError):
    """The source could not be reached."""

    code = "UPSTREAM_UNAVAILABLE"


class SourceTimeout(SourceUnavailable):
    """The source did not answer within its configured timeout."""

    code = "UPSTREAM_TIMEOUT"


class RequestDeadlineExceeded(SourceTimeout):
    """The request's own deadline (``request_timeout_seconds``) passed before the source
    answered, or before the call could be made; not held against the source's breaker."""


class SourceCircuitOpen(SourceUnavailable):
    """Recent calls to the source failed, so its circuit breaker answers at once, without
    calling it, until a probe call succeeds."""

    code = "UPSTREAM_CIRCUIT_OPEN"


class SourceHTTPError(SourceError):
    """The source answered with an HTTP error status."""

    code = "UPSTREAM_HTTP_ERROR"

    def __init__(
        self, source: str, status: int, message: str, body: str = "", explanation: str = ""
    ) -> None:
        super().__init__(source, message)
        self.status = status
        self.body = body  # the start of the raw body: to be read, never kept or shown as is
        self.explanation = explanation  # what the body says, redacted and short; may be ""


class SourcePayloadError(SourceError):
    """The source answered with something that is not valid for its protocol."""

    code = "UPSTREAM_BAD_PAYLOAD"
