"""SQLite storage of the Open311 upstream: reports, reporters, tokens and idempotency keys."""

from __future__ import annotations

import math
import secrets
import shutil
import sqlite3
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kotahub.demo.open311_catalogue import STATUSES, Catalogue
from kotahub.demo.open311_form import Submission
from kotahub.demo.open311_idempotency import IdempotencyKey, Outcome, earlier, remember
from kotahub.demo.open311_params import RequestsQuery
from kotahub.demo.open311_records import (
    SELECT_PUBLIC,
    StoredRequest,
    reporter_row,
    request_id,
    sample_row,
    submitted_row,
)

DEFER_SECONDS = 10
"""A deferred report is published this long after it was made, or at its token's 2nd poll."""
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS requests (
    seq INTEGER PRIMARY KEY,
    service_request_id TEXT NOT NULL UNIQUE,
    service_code TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    status_notes TEXT, agency_responsible TEXT, service_notice TEXT, description TEXT,
    requested_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, expected_at INTEGER,
    published_at INTEGER NOT NULL,
    address TEXT, address_id TEXT, zipcode TEXT, lat REAL, long REAL, district TEXT,
    media_url TEXT, attributes TEXT NOT NULL DEFAULT '{}', sample INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS requests_by_time ON requests (requested_at, service_request_id);
CREATE TABLE IF NOT EXISTS reporters (
    service_request_id TEXT PRIMARY KEY REFERENCES requests (service_request_id),
    email TEXT, device_id TEXT, account_id TEXT, first_name TEXT, last_name TEXT, phone TEXT
);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY,
    service_request_id TEXT NOT NULL UNIQUE REFERENCES requests (service_request_id),
    polls INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    client TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,
    service_request_id TEXT NOT NULL REFERENCES requests (service_request_id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (client, key)
);
"""


@dataclass(frozen=True, slots=True)
class TokenState:
    """A known token: the id of its report, None until the report is published."""

    service_request_id: str | None


@dataclass(frozen=True, slots=True)
class Page:
    """One page of matching reports and how many match in all."""

    requests: tuple[StoredRequest, ...]
    total: int


class Open311Store:
    """The reports in an SQLite file, seeded with the sample reports on first use.

    Each call opens its own connection; writes run in ``BEGIN IMMEDIATE`` transactions, so
    several apps may share the file. Sample reports are re-anchored to the current time
    whenever a store opens the file, keeping them inside the default 90-day window.
    """

    def __init__(
        self, path: Path, catalogue: Catalogue, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = path
        self.catalogue = catalogue
        self.clock = clock
        self._lock = threading.Lock()

    @classmethod
    def open(cls, catalogue: Catalogue, database: Path | None = None) -> Open311Store:
        """The store at ``database``, or in a temporary file removed with the store."""
        if database is None:
            folder = tempfile.mkdtemp(prefix="kotahub-open311-")
            store = cls(Path(folder) / "open311.sqlite3", catalogue)
            weakref.finalize(store, shutil.rmtree, folder, True)
        else:
            store = cls(database, catalogue)
        store.prepare()
        return store

    def now(self) -> int:
        """The current time in whole epoch seconds."""
        return int(self.clock())

    @contextmanager
    def _transaction(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        with self._lock, closing(connection) as conn:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def prepare(self) -> None:
        """Creates the tables; seeds the samples the first time, else re-anchors them."""
        with closing(sqlite3.connect(self.path, timeout=10)) as conn:
            conn.executescript(SCHEMA)
        now = self.now()
        with self._transaction(write=True) as conn:
            row = conn.execute("SELECT value FROM meta WHERE name = 'anchor'").fetchone()
            if row is None:
                self._seed(conn, now)
            else:
                _reanchor(conn, now - int(row["value"]), now)
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('anchor', ?)", (str(now),))

    def _seed(self, conn: sqlite3.Connection, anchor: int) -> None:
        oldest_first = sorted(self.catalogue.samples, key=lambda s: -s["requested_days_ago"])
        for sample in oldest_first:
            rid = _insert(conn, sample_row(self.catalogue, sample, anchor))
            if sample.get("reporter"):
                _insert_reporter(conn, rid, sample["reporter"])

    def search(self, query: RequestsQuery) -> Page:
        """The matching published reports, newest first, then by id; one page of them."""
        where, args = _filters(query, self.now())
        order = "ORDER BY requested_at DESC, service_request_id"
        paging = "" if query.ids is not None else f"LIMIT {query.page_size} OFFSET {query.offset}"
        with self._transaction() as conn:
            total = conn.execute(f"SELECT COUNT(*) FROM requests WHERE {where}", args)
            rows = conn.execute(f"{SELECT_PUBLIC} WHERE {where} {order} {paging}", args)
            count = int(total.fetchone()[0])
            return Page(tuple(StoredRequest.of(r) for r in rows), count)

    def get(self, service_request_id: str) -> StoredRequest | None:
        """The published report with this id."""
        return self._one("service_request_id = ?", service_request_id)

    def media(self, name: str) -> StoredRequest | None:
        """The published report whose media is ``media/{name}.svg`` on this server."""
        return self._one("media_url = ?", f"media/{name}.svg")

    def _one(self, condition: str, value: str) -> StoredRequest | None:
        sql = f"{SELECT_PUBLIC} WHERE {condition} AND published_at <= ? LIMIT 1"
        with self._transaction() as conn:
            row = conn.execute(sql, (value, self.now())).fetchone()
        return None if row is None else StoredRequest.of(row)

    def replay(self, key: IdempotencyKey) -> Outcome | None:
        """The outcome of an earlier POST with ``key``; IdempotencyConflict if its body
        differed, None if the key is new."""
        with self._transaction() as conn:
            return earlier(conn, key)

    def create(
        self, submission: Submission, deferred: bool, key: IdempotencyKey | None = None
    ) -> Outcome:
        """Stores a new report (and its reporter, token and key) in one transaction.

        A deferred report gets a token and stays unpublished until polled or DEFER_SECONDS.
        """
        now = self.now()
        with self._transaction(write=True) as conn:
            first = None if key is None else earlier(conn, key)
            if first is not None:  # a concurrent retry won the race
                return first
            row = submitted_row(self.catalogue, submission, now)
            row["published_at"] = now + DEFER_SECONDS if deferred else now
            rid = _insert(conn, row)
            reporter = reporter_row(submission)
            if reporter is not None:
                _insert_reporter(conn, rid, reporter)
            token = _insert_token(conn, rid) if deferred else None
            if key is not None:
                remember(conn, key, rid, now)
            return Outcome(rid, row["service_notice"], token)

    def poll_token(self, token: str) -> TokenState | None:
        """The state of a known token, None for an unknown one; the 2nd poll publishes."""
        sql = (
            "SELECT t.service_request_id, t.polls, r.published_at FROM tokens t "
            "JOIN requests r USING (service_request_id) WHERE t.token = ?"
        )
        now = self.now()
        with self._transaction(write=True) as conn:
            row = conn.execute(sql, (token,)).fetchone()
            if row is None:
                return None
            rid, published = row["service_request_id"], int(row["published_at"])
            conn.execute("UPDATE tokens SET polls = polls + 1 WHERE token = ?", (token,))
            if row["polls"] + 1 >= 2 and published > now:
                published = now
                update = "UPDATE requests SET published_at = ? WHERE service_request_id = ?"
                conn.execute(update, (now, rid))
            return TokenState(rid if published <= now else None)

    def count_requests(self) -> int:
        """How many reports are stored, published or not."""
        with self._transaction() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM requests").fetchone()[0])

    def set_status(
        self,
        service_request_id: str,
        status: str,
        notes: str | None = None,
        agency: str | None = None,
    ) -> None:
        """Sets status and status_notes (and the agency, when given) as the city would;
        updated_datetime becomes now. KeyError for an unknown id."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
        sql = (
            "UPDATE requests SET status = ?, status_notes = ?, updated_at = ?, "
            "agency_responsible = COALESCE(?, agency_responsible) WHERE service_request_id = ?"
        )
        with self._transaction(write=True) as conn:
            cursor = conn.execute(sql, (status, notes, self.now(), agency, service_request_id))
            if cursor.rowcount == 0:
                raise KeyError(service_request_id)


def _filters(query: RequestsQuery, now: int) -> tuple[str, list[Any]]:
    clauses: list[str] = ["published_at <= ?"]
    args: list[Any] = [now]
    if query.ids is not None:
        clauses.append(_in("service_request_id", query.ids))
        return " AND ".join(clauses), [*args, *query.ids]
    clauses.append("requested_at BETWEEN ? AND ?")
    args += [math.ceil(query.start.timestamp()), math.floor(query.end.timestamp())]
    for column, values in (("service_code", query.service_codes), ("status", query.statuses)):
        if values:
            clauses.append(_in(column, values))
            args += values
    return " AND ".join(clauses), args


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join('?' for _ in values)})"


def _insert(conn: sqlite3.Connection, row: dict[str, Any]) -> str:
    seq = int(conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM requests").fetchone()[0])
    values = {"seq": seq, "service_request_id": request_id(seq), **row}
    marks = ", ".join("?" for _ in values)
    conn.execute(f"INSERT INTO requests ({', '.join(values)}) VALUES ({marks})", [*values.values()])
    return request_id(seq)


def _insert_reporter(conn: sqlite3.Connection, rid: str, reporter: dict[str, Any]) -> None:
    values = {"service_request_id": rid, **reporter}
    marks = ", ".join("?" for _ in values)
    conn.execute(
        f"INSERT INTO reporters ({', '.join(values)}) VALUES ({marks})", [*values.values()]
    )


def _insert_token(conn: sqlite3.Connection, rid: str) -> str:
    token = secrets.token_hex(8)
    conn.execute("INSERT INTO tokens (token, service_request_id) VALUES (?, ?)", (token, rid))
    return token


def _reanchor(conn: sqlite3.Connection, delta: int, now: int) -> None:
    """Moves the sample reports ``delta`` seconds later; updated times never pass ``now``."""
    conn.execute(
        "UPDATE requests SET requested_at = requested_at + :d, published_at = published_at + :d,"
        " expected_at = expected_at + :d, updated_at = MIN(updated_at + :d, :now)"
        " WHERE sample = 1",
        {"d": delta, "now": now},
    )
