"""Secrets kept out of what the hub shows: one rule for which names are secret, applied
to settings, URLs and their query options."""

from __future__ import annotations

import re
from typing import Any

MASK = "***"
# A name that holds a secret: a key, a token, a password (misspelt too), a signature.
SECRET_NAME = re.compile(r"key|token|secret|pas|signature|auth|credential", re.IGNORECASE)
_SECRET_OPTION = re.compile(r"([?&]([^=&#]*)=)([^&#]*)")


def is_secret_name(name: str) -> bool:
    """Whether a setting, header or query parameter of this name holds a secret."""
    return SECRET_NAME.search(name) is not None


def redact_url(url: str) -> str:
    """The URL with its password, and any option whose name looks secret, masked."""
    scheme, separator, rest = url.partition("://")
    credentials, at, located = rest.rpartition("@")
    if ":" in credentials:
        credentials = f"{credentials.partition(':')[0]}:{MASK}"
    shown = f"{scheme}{separator}{credentials}{at}{located}"
    return _SECRET_OPTION.sub(_option_masked, shown)


def redacted(value: Any, key: str = "") -> Any:
    """``value`` with anything under a secret-looking key masked, and passwords in URLs."""
    if is_secret_name(key):
        return MASK
    if isinstance(value, str) and "://" in value:
        return redact_url(value)
    if isinstance(value, dict):
        return {k: redacted(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redacted(item) for item in value]
    return value


def _option_masked(found: re.Match[str]) -> str:
    return found[1] + MASK if is_secret_name(found[2]) else found[0]
