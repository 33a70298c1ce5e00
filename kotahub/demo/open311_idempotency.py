"""Idempotency-Key support for POST requests: the key, the replayable outcome, the lookups."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from kotahub.demo.open311_errors import bad_request
from kotahub.demo.open311_form import Form
from kotahub.demo.request_values import quoted

MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    """A client's Idempotency-Key: ``client`` is a digest of its api_key, so keys of
    different clients never collide; ``fingerprint`` is the digest of the form sent."""

    client: str
    key: str
    fingerprint: str


class IdempotencyConflict(Exception):
    """The key was used before with a different body."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a POST created: the id and notice, and the token when ids are deferred."""

    service_request_id: str
    service_notice: str | None
    token: str | None
    replayed: bool = False


def idempotency_key(header: str | None, client: str, form: Form) -> IdempotencyKey | None:
    """The Idempotency-Key sent, bare or as a quoted string; a 400 when unusable."""
    if header is None:
        return None
    key = header.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise bad_request(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable ASCII characters, "
            f"e.g. a UUID; got {quoted(header)}."
        )
    return IdempotencyKey(client, key, form.fingerprint())


def earlier(conn: sqlite3.Connection, key: IdempotencyKey) -> Outcome | None:
    """The outcome first stored under ``key``; IdempotencyConflict if its body differed."""
    sql = (
        "SELECT k.fingerprint, k.service_request_id, r.service_notice, t.token "
        "FROM idempotency_keys k "
        "JOIN requests r ON r.service_request_id = k.service_request_id "
        "LEFT JOIN tokens t ON t.service_request_id = k.service_request_id "
        "WHERE k.client = ? AND k.key = ?"
    )
    row = conn.execute(sql, (key.client, key.key)).fetchone()
    if row is None:
        return None
    if row["fingerprint"] != key.fingerprint:
        raise IdempotencyConflict(key.key)
    rid, notice = row["service_request_id"], row["service_notice"]
    return Outcome(rid, notice, row["token"], replayed=True)


def remember(conn: sqlite3.Connection, key: IdempotencyKey, rid: str, now: int) -> None:
    """Stores ``key`` as having created ``rid``."""
    values = (key.client, key.key, key.fingerprint, rid, now)
    conn.execute("INSERT INTO idempotency_keys VALUES (?, ?, ?, ?, ?)", values)
