"""Upstream URLs: resolving links inside a source, and showing them without secrets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from kotahub.errors import SourcePayloadError
from kotahub.redaction import MASK, is_secret_name

Scalar = str | int | float | bool
ParamValue = Scalar | Sequence[Scalar]  # a sequence repeats the parameter


def resolve_link(source: str, base: str, target: str, relative_to: str | None = None) -> str:
    """``target`` as an absolute URL, resolved against the page it came from (else the base).

    A link that leaves the source's origin is refused, so credentials never follow it.
    """
    if not target:
        return relative_to or base
    anchor = relative_to or (base if base.endswith("/") else base + "/")
    try:
        url = urljoin(anchor, target)
        elsewhere = origin(url) != origin(base)
    except ValueError as exc:  # such as "http://[" or a port that is not a number
        raise SourcePayloadError(source, f"a link on the page is not a URL ({exc})") from exc
    if elsewhere:
        raise SourcePayloadError(
            source, f"link {shown(target)!r} leaves the source's origin {origin(base)}"
        )
    return url


def origin(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def shown(url: str) -> str:
    """Path and query of a URL for errors and logs, with secret-looking values masked."""
    parts = urlsplit(url)
    if not parts.query:
        return parts.path or "/"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = "&".join(f"{k}={MASK if is_secret_name(k) else v}" for k, v in pairs)
    return f"{parts.path or '/'}?{query}"


def located(method: str, url: object) -> str:
    """Where a request went, for errors and logs: ``GET /path?query``, secrets masked."""
    return f"{method} {shown(str(url))}"


def public_url(url: str) -> str:
    """The whole URL for admins: scheme, host and port, path, and the query with
    secret-looking values masked; never the user name or password."""
    parts = urlsplit(url)
    netloc = (parts.hostname or "").lower()
    if parts.hostname and ":" in parts.hostname:
        netloc = f"[{netloc}]"
    if parts.port is not None:
        netloc += f":{parts.port}"
    return f"{parts.scheme}://{netloc}{shown(url)}"


def normalized_url(url: str, params: Mapping[str, ParamValue] | None = None) -> str:
    """The URL with its own query and ``params`` merged, sorted and re-encoded."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    for key, value in (params or {}).items():
        values = [value] if isinstance(value, str | int | float | bool) else list(value)
        pairs.extend((key, _text(item)) for item in values)
    query = urlencode(sorted(pairs))
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", query, ""))


def _text(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
