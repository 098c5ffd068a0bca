"""What the runtime needs from the outside, as typing.Protocols: the storage port `Store`.

Adapters: collabd.adapters.sqlite_store.SqliteStore (embedded, the default) and
collabd.adapters.postgres_store.PostgresStore (a shared PostgreSQL). tests/store/test_contract.py
runs one suite against both, so they cannot drift.

Errors: a store method fails with StoreUnavailable (an outage: retry later) or StoreConflict (a
constraint refused the write), never with its driver's own exception types; anything else is a
bug. collabd.adapters.errors translates.

Calling convention (collabd.runtime.persistence): the runtime calls a store method either with
`Persistence.write` (the methods named in WRITES) or with `Persistence.read` (every other one);
the call site says which, so no wrapper can change it. Writes run on the event loop's thread
when the adapter's `writes_inline` is true (SQLite: a commit there is a page-cache write; the
writing connection refuses any other thread), otherwise on one writer thread, in the order they
were called; reads run on one worker thread. `append_updates` is the group commit: one call per
batch, one transaction, all or nothing. `load_doc_now` is called on the loop's thread, rarely
(rebuilding a broken room), and may block it briefly.

The value types every adapter returns (DocRows, SessionRow) live here too, so the runtime
depends on this module and not on an adapter.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

# The methods that write: Persistence.write runs them, never Persistence.read
# (tests/server/test_store_threads.py checks every call site).
WRITES = frozenset({
    "append_updates", "compact", "save_session", "save_session_if", "append_chat", "log_event",
    "append_run", "append_question", "save_notes", "queue_webhook", "claim_webhooks",
    "webhook_result", "append_recording", "delete_recording", "delete_recordings_before",
})

DocRows = tuple[list[bytes], int, dict[int, str]]  # updates, last seq, client id -> owner
REAL, PRACTICE, SIMULATED = "real", "practice", "simulated"
KINDS = (REAL, PRACTICE, SIMULATED)
# A session's kind: created through the API by an embedder (real), from the start page's
# practice button (practice), or by `collabd simulate` (simulated).


class SessionRow(tuple[dict[str, Any], bool, dict[str, Any]]):
    """A stored session. Unpacks as (record, simulated, extra), as before sessions had a kind;
    `kind`, the two person keys, the row's id and `problem` are attributes. `problem` says why
    a damaged row cannot be read (its record is then {}): readers of many rows skip it and
    report it rather than fail on it."""

    kind: str
    interviewer_key: str | None
    interviewee_key: str | None
    sid: str
    problem: str | None

    def __new__(cls, record: dict[str, Any], kind: str, extra: dict[str, Any],
                interviewer_key: str | None = None,
                interviewee_key: str | None = None, sid: str = "",
                problem: str | None = None) -> SessionRow:
        row = super().__new__(cls, (record, kind == SIMULATED, extra))
        row.kind = kind
        row.interviewer_key = interviewer_key
        row.interviewee_key = interviewee_key
        row.sid = sid or str(record.get("session_id", ""))
        row.problem = problem
        return row

    @property
    def record(self) -> dict[str, Any]:
        return self[0]

    @property
    def extra(self) -> dict[str, Any]:
        return self[2]


def session_row(sid: str, record: Any, kind: Any, extra: Any,
                interviewer_key: str | None = None,
                interviewee_key: str | None = None) -> SessionRow:
    """A SessionRow from the stored columns (record and extra as JSON text). Never raises on a
    damaged row: it comes back with `problem` set."""
    problem = None
    try:
        data = json.loads(record)
    except (TypeError, ValueError):
        data, problem = {}, "record is not JSON"
    try:
        more = json.loads(extra) if extra else {}
    except (TypeError, ValueError):
        more, problem = {}, problem or "extra is not JSON"
    if not isinstance(data, dict):
        data, problem = {}, problem or f"record is JSON {type(data).__name__}, not an object"
    elif problem is None and data.get("session_id") != sid:
        problem = "the record's session_id is not the row's id"
    if not isinstance(more, dict):
        more, problem = {}, problem or "extra is not a JSON object"
    if kind not in KINDS:
        problem = problem or f"unknown kind {kind!r}"
        kind = REAL
    return SessionRow(data, kind, more, interviewer_key, interviewee_key, sid, problem)


class StoreError(Exception):
    """The store cannot be used as it is (for instance its schema is newer than this code)."""


class StoreUnavailable(StoreError):
    """The store cannot serve this call now (PostgreSQL unreachable, a disk full or failing,
    the hot log not draining): retry later. The adapters raise it for their driver's outage
    errors, so nothing above them knows a driver; the API answers 503 store_unavailable."""


class StoreConflict(StoreError):
    """A write collides with what is stored (a document update's seq stored already, a
    duplicate key): nothing of it was written. A second writer or a bug, not an outage."""


@runtime_checkable
class Store(Protocol):
    """Everything the runtime, the API, the metrics and the analytics call on a store."""

    writes_inline: bool  # may the WRITES run on the event loop's thread?

    def checkpoint(self) -> None:
        """Make recent commits durable and cheap to recover (SQLite: drain its hot log, fsync,
        copy the WAL back). On the worker thread, about once a second, and before a
        compaction; it may fail (a full disk) and is then retried."""

    def close(self) -> None: ...

    # -- documents: an append-only log of updates plus at most one snapshot per room

    def load_doc(self, room: str) -> DocRows:
        """The snapshot (if any) then the updates after it, in order, the last seq, and the
        owners of the room's Yjs client ids: one consistent view."""

    def load_doc_now(self, room: str) -> DocRows:
        """load_doc, called on the loop's thread after a flush, seeing every commit so far."""

    def append_updates(self, batch: list[tuple[str, int, bytes]],
                       owners: Sequence[tuple[str, int, str]] = ()) -> None:
        """Append (room, seq, update) rows and record (room, client, owner) bindings (the
        first owner of a client id stays) in one transaction: all of it or none of it."""

    def compact(self, room: str, snapshot: bytes, upto: int, keep_history: bool = False) -> None:
        """Store the snapshot covering every update with seq <= upto, and delete those rows,
        in one transaction. With keep_history (a session room within its retention, for
        replay) no row is deleted; if the rows the old snapshot covered are already gone, the
        old snapshot is first kept as the history's base."""

    def history(self, room: str) -> tuple[bytes | None, int, list[tuple[int, int | None, bytes]]]:
        """(base, upto, rows): the document after the updates with seq <= upto (None and 0
        when the history starts from an empty document), then every (seq, ts, update) after
        it in seq order; ts (ms, the commit's time) is None for rows stored before times were
        kept. Appended rows get the time of their batch's commit."""

    def count_updates(self, room: str) -> int: ...

    # -- sessions

    def save_session(self, sid: str, record: dict[str, Any], now: int, simulated: bool = False,
                     extra: dict[str, Any] | None = None, *, kind: str | None = None,
                     keys: tuple[str | None, str | None] = (None, None)) -> None:
        """Insert or update the record; kind, extra and keys are set on insert only."""

    def load_session(self, sid: str) -> SessionRow | None: ...

    def load_session_versioned(self, sid: str) -> tuple[SessionRow, int] | None:
        """The session and its version (every save counts it up), for `save_session_if`."""

    def save_session_if(self, sid: str, record: dict[str, Any], now: int, version: int) -> bool:
        """Write the record only if the stored version is still `version` (then it becomes
        version + 1); False if someone saved it meanwhile (cluster mode: another node)."""

    def list_sessions(self, limit: int, offset: int = 0,
                      kind: str | None = None) -> list[SessionRow]:
        """Newest first (ties by id, byte order)."""

    def all_sessions(self) -> list[SessionRow]:
        """Oldest first."""

    def candidate_sessions(self, key: str) -> list[SessionRow]:
        """The sessions whose interviewee has this person key, oldest first."""

    def timed_sessions(self) -> list[SessionRow]:
        """Unfinished sessions with a timer to run (see SqliteStore.timed_sessions)."""

    def stale_practice_lobbies(self, created_before: int, limit: int) -> list[str]: ...

    # -- chat and the session log

    def append_chat(self, room: str, ts: int, sender: dict[str, Any], text: str) -> int:
        """Returns the message's id: increasing in commit order across the store."""

    def chat_after(self, room: str, after: int, limit: int) -> list[dict[str, Any]]: ...

    def log_event(self, room: str, ts: int, kind: str, data: dict[str, Any]) -> None: ...

    def events(self, room: str) -> list[tuple[int, str, dict[str, Any]]]: ...

    # -- runs, the question, private notes (SPEC 8.7-8.9)

    def append_run(self, room: str, ts: int, sender: dict[str, Any], run: dict[str, Any]) -> int:
        """Returns the run's id: increasing in commit order across the store."""

    def runs_after(self, room: str, after: int, limit: int) -> list[dict[str, Any]]:
        """{id, ts, from, **run} with id > after, in id order."""

    def append_question(self, room: str, ts: int, sender: dict[str, Any] | None,
                        text: str) -> None:
        """Record the room's question as set at ts (sender None: by the embedder)."""

    def questions(self, room: str) -> list[dict[str, Any]]:
        """Every {ts, text, from?} the question had, oldest first; the last is current."""

    def save_notes(self, room: str, pid: str, ts: int, text: str) -> None:
        """Replace the participant's private notes (the last save wins)."""

    def load_notes(self, room: str, pid: str) -> tuple[str, int] | None:
        """(text, ts) of the participant's notes, or None if never saved."""

    # -- the recorded call (SPEC 14.4)

    def append_recording(self, room: str, pid: str, run: int, seq: int, ts: int, ms: int,
                         data: bytes) -> None:
        """Store one chunk of `pid`'s audio; (room, pid, run, seq) is unique (StoreConflict)."""

    def recording_tail(self, room: str, pid: str) -> tuple[int, int, int, int]:
        """(bytes stored, last run, last seq, last ts) of `pid`'s chunks; (0, -1, -1, 0) when
        there is none."""

    def recording_after(self, room: str, after: int,
                        budget: int) -> tuple[list[tuple[Any, ...]], bool]:
        """The room's chunks with id > after, in id order, as (id, pid, run, seq, ts, ms,
        data): as many as fit in `budget` bytes of data (at least one); and whether more
        follow."""

    def delete_recording(self, room: str) -> int:
        """Delete the room's chunks; returns how many there were."""

    def delete_recordings_before(self, ts: int) -> int:
        """Delete every chunk stored before `ts` (retention); returns how many."""

    # -- webhook outbox

    def queue_webhook(self, url: str, body: str, now: int) -> None: ...

    def due_webhooks(self, now: int, limit: int = 50) -> list[tuple[int, str, str, int]]: ...

    def claim_webhooks(self, now: int, lease_ms: int,
                       limit: int = 50) -> list[tuple[int, str, str, int]]:
        """Take due webhooks atomically: they become due again only after `lease_ms` (if the
        claimer dies), so nodes sending at once never send one twice. (id, url, body, attempts)
        by id."""

    def webhook_result(self, wid: int, delivered: bool, next_at: int, give_up: bool) -> None: ...

    def webhook_counts(self) -> dict[str, int]: ...
