"""Deprecated: the partner SDK's old address; import from ``kotahub.sdk``."""

from __future__ import annotations

import warnings

# What this address held beyond the SDK, for adapters written before it.
from kotahub.errors import (  # noqa: F401
    ClientInputError,
    NotAllowed,
    RequestDeadlineExceeded,
    SourceCircuitOpen,
    SourceTimeout,
)
from kotahub.sdk import *  # noqa: F403 -- the old address hands on what the SDK declares

warnings.warn(
    "kotahub.hub.errors is deprecated and goes in the next release; import from kotahub.sdk",
    DeprecationWarning,
    stacklevel=2,
)
