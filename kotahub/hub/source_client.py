"""Deprecated: the partner SDK's old address; import from ``kotahub.sdk``."""

from __future__ import annotations

import warnings

from kotahub.sdk import *  # noqa: F403 -- the old address hands on what the SDK declares

# What this address held beyond the SDK, for adapters written before it.
from kotahub.upstream.client import RECENT_ANSWER_BYTES, SourceClient  # noqa: F401

warnings.warn(
    "kotahub.hub.source_client is deprecated and goes in the next release; import from kotahub.sdk",
    DeprecationWarning,
    stacklevel=2,
)
