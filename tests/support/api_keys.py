"""API keys for tests: one per scope, with the settings that configure them."""

from __future__ import annotations

from typing import Any

from kotahub.hub.policy.api_keys import hash_of

ADMIN_KEY = "kh_admin-key-for-tests-0123456789abcdef"
PARTNER_KEY = "kh_partner-key-for-tests-0123456789abcdef"
ADMIN = {"x-api-key": ADMIN_KEY}
PARTNER = {"x-api-key": PARTNER_KEY}


def api_keys() -> list[dict[str, Any]]:
    """The ``api_keys`` setting for the two test keys."""
    return [
        {"name": "city-ops", "scope": "admin", "hash": hash_of(ADMIN_KEY)},
        {"name": "rsud-beriman", "scope": "partner", "hash": hash_of(PARTNER_KEY)},
    ]
