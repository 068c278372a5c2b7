"""Submissions in SQLite (WAL): written before they are graded, marked graded after.

A row is ``pending`` from the moment it is stored until its result (the row ``symrnn grade``
writes, as JSON) is saved with it; a crash or a restart loses nothing, since the grader takes
every pending row when it starts. ``graded`` counts how many times a result was saved for the
row: the load test checks it is exactly one for every submission. Every submission has a random
``token``, the only way to read its result back.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import SymrnnError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token TEXT NOT NULL UNIQUE,
    question TEXT NOT NULL,
    spec TEXT NOT NULL,
    grad TEXT NOT NULL,
    student TEXT NOT NULL,
    answer TEXT NOT NULL,
    submitted REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    result TEXT,
    graded INTEGER NOT NULL DEFAULT 0,
    graded_at REAL
);
CREATE INDEX IF NOT EXISTS pending ON submissions (status, id);
"""


class StoreError(SymrnnError):
    """The database file cannot be opened or is not a symrnn serve database."""


@dataclass(frozen=True)
class Submission:
    id: int
    token: str
    question: str
    spec: str
    grad: str
    student: str
    answer: str
    submitted: float
    status: str
    result: dict | None
    graded: int


_COLUMNS = "id, token, question, spec, grad, student, answer, submitted, status, result, graded"


def _row(r) -> Submission:
    return Submission(*r[:9], json.loads(r[9]) if r[9] else None, r[10])


class Store:
    """One connection, serialised by a lock (SQLite's own WAL lets readers and the writer overlap)."""

    def __init__(self, path: str):
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as err:
            raise StoreError(f"--db {str(path)[:200]!r}: {err}") from None
        self._lock = threading.Lock()
        self.path = Path(path)

    def add(self, question: str, spec: str, grad: str, student: str, answer: str) -> Submission:
        token = secrets.token_urlsafe(18)
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO submissions (token, question, spec, grad, student, answer, submitted) VALUES (?,?,?,?,?,?,?)",
                (token, question, spec, grad, student, answer, time.time()))
            return self._get("id = ?", (cur.lastrowid,))

    def _get(self, where: str, args: tuple) -> Submission | None:
        r = self._db.execute(f"SELECT {_COLUMNS} FROM submissions WHERE {where}", args).fetchone()
        return _row(r) if r else None

    def by_token(self, token: str) -> Submission | None:
        with self._lock:
            return self._get("token = ?", (token,))

    def pending(self, limit: int, after: int = 0) -> list[Submission]:
        with self._lock:
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM submissions WHERE status = 'pending' AND id > ? "
                                    "ORDER BY id LIMIT ?", (after, limit)).fetchall()
        return [_row(r) for r in rows]

    def save(self, sub_id: int, result: dict) -> bool:
        """Store the result of a pending row; False when the row was already graded."""
        with self._lock:
            cur = self._db.execute("UPDATE submissions SET status = 'graded', result = ?, graded = graded + 1, "
                                   "graded_at = ? WHERE id = ? AND status = 'pending'",
                                   (json.dumps(result, sort_keys=True), time.time(), sub_id))
            return cur.rowcount == 1

    def all(self) -> list[Submission]:
        with self._lock:
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM submissions ORDER BY id").fetchall()
        return [_row(r) for r in rows]

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._db.execute("SELECT status, COUNT(*) FROM submissions GROUP BY status").fetchall())

    def close(self) -> None:
        with self._lock:
            self._db.close()


__all__ = ["Store", "StoreError", "Submission"]
