"""Upstream URLs: resolving links inside a source, and showing them without secrets."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from kotahub.errors import SourcePayloadError
from kotahub.redaction import MASK, is_secret_name

Scalar = str | int | float | bool
ParamValue = Scalar | Sequence[Scalar]  # a sequence repeats the parameter
DEFAULT_PORTS = {"http": 80, "https": 443}


def resolve_link(
    source: str,
    base: str,
    target: str,
    relative_to: str | None = None,
    extra_origins: Collection[str] = (),
) -> str:
    """``target`` as an absolute URL, resolved against the page it came from (else the base).

    A link that leaves the source's origin, and the ``extra_origins`` configured for it, is
    refused, so credentials never follow it elsewhere.
    """
    if not target:
        return relative_to or base
    anchor = relative_to or (base if base.endswith("/") else base + "/")
    try:
        url = urljoin(anchor, target)
        allowed = {origin(base), *(origin(extra) for extra in extra_origins)}
        elsewhere = origin(url) not in allowed
    except ValueError as exc:  # such as "http://[" or a port that is not a number
        raise SourcePayloadError(source, f"a link on the page is not a URL ({exc})") from exc
    if elsewhere:
        foreign = shown_origin(url)
        said = f"link {shown(target)!r} leaves the source's origin {shown_origin(base)} for "
        if url.startswith("http:") and origin("https:" + url[5:]) in allowed:
            raise SourcePayloadError(source, said + foreign + DOWNGRADED)
        raise SourcePayloadError(
            source,
            f"{said}{foreign}; if {foreign} serves this source, list it in the source's "
            "extra_origins",
        )
    return url


# An https source's server writing its own links with http: (a proxy that ends TLS and does
# not say so). Listing that origin would send the source's credentials in clear text.
DOWNGRADED = (
    ", plain http while the source is reached over https: the server must write its links "
    "with https (behind a proxy, have it pass X-Forwarded-Proto, or set the server's public "
    "base address)"
)


def origin(url: str) -> str:
    """``scheme://host:port`` of a URL, the port always written: for comparing origins."""
    parts = urlsplit(url)
    port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def shown_origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL as people write it: the default port left out."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    default = port is None or port == DEFAULT_PORTS.get(parts.scheme)
    return f"{parts.scheme}://{host}" if default else f"{parts.scheme}://{host}:{port}"


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
    given = tuple(
        (key, _typed([value] if isinstance(value, str | int | float | bool) else value))
        for key, value in (params or {}).items()
    )
    return _normalized(url, given)


def _typed(values: Iterable[Scalar]) -> tuple[tuple[type, Scalar], ...]:
    """Values with their types, so that ``True`` and ``1`` are told apart as keys."""
    return tuple((type(value), value) for value in values)


@lru_cache(maxsize=4096)  # every request reads the same few pages of each source
def _normalized(url: str, given: tuple[tuple[str, tuple[tuple[type, Scalar], ...]], ...]) -> str:
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    for key, values in given:
        pairs.extend((key, _text(value)) for _, value in values)
    query = urlencode(sorted(pairs))
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", query, ""))


def _text(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
