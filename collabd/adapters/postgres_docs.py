"""The PostgreSQL store's documents: an append-only log of updates plus at most one snapshot
per room. The group commit (`append_updates`) inserts the whole batch and its client id bindings
with one prepared statement (data-modifying CTEs over unnest'ed arrays), so a batch is one round
trip and one transaction whatever its size, and all or nothing. Compaction upserts the snapshot
and deletes the rows it covers in one statement: both or neither. A document is read with one
statement too, so the snapshot and the rows after it come from one MVCC snapshot even while
another connection compacts."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import pq

from ..ports import DocRows
from .postgres_connection import PgBase
from .rows import now_ms

# The group commit's two statements, prepared once per connection and run through libpq with
# parameters already in binary form (see _append): psycopg's execute() costs ~160 us of CPU per
# call, against ~30 us this way, and the group commit runs on every keystroke under light load.
APPEND = (  # ts: the batch's commit time, what replay shows (SPEC 18)
    "INSERT INTO doc_updates (room, seq, data, ts) "
    "SELECT r, s, d, $1::bigint FROM unnest($2::text[], $3::bigint[], $4::bytea[]) AS u(r, s, d)")
APPEND_OWNED = (
    "WITH u AS (" + APPEND + ") "
    "INSERT INTO doc_clients (room, client, owner) "
    "SELECT * FROM unnest($5::text[], $6::bigint[], $7::text[]) ON CONFLICT DO NOTHING")
STATEMENTS = {b"collabd_append": APPEND, b"collabd_append_owned": APPEND_OWNED}
TEXT_OID, INT8_OID, BYTEA_OID = 25, 20, 17

LOAD_DOC = """
SELECT 0 AS part, upto AS n, data FROM doc_snapshots WHERE room = %(room)s
UNION ALL
SELECT 1, seq, data FROM doc_updates WHERE room = %(room)s
    AND seq > COALESCE((SELECT upto FROM doc_snapshots WHERE room = %(room)s), 0)
UNION ALL
SELECT 2, client, convert_to(owner, 'UTF8') FROM doc_clients WHERE room = %(room)s
ORDER BY part, n
"""

# part 0: the base (history base row, else a snapshot whose rows are gone), then every row
HISTORY = """
WITH base AS (
    SELECT data, upto FROM doc_history_base WHERE room = %(room)s
    UNION ALL
    SELECT data, upto FROM doc_snapshots s WHERE room = %(room)s
        AND NOT EXISTS (SELECT 1 FROM doc_history_base WHERE room = %(room)s)
        AND NOT EXISTS (SELECT 1 FROM doc_updates WHERE room = %(room)s AND seq <= s.upto)
)
SELECT 0 AS part, upto AS n, NULL::bigint AS ts, data FROM base
UNION ALL
SELECT 1, seq, ts, data FROM doc_updates WHERE room = %(room)s
ORDER BY part, n
"""


class PgDocuments(PgBase):
    def load_doc(self, room: str) -> DocRows:
        return self._load_doc(self._r(), room)

    def load_doc_now(self, room: str) -> DocRows:
        # through the writer's connection: it has seen every commit this process made
        return self._load_doc(self._w(), room)

    @staticmethod
    def _load_doc(db: psycopg.Connection[Any], room: str) -> DocRows:
        out: list[bytes] = []
        owners: dict[int, str] = {}
        last = 0
        for part, n, data in db.execute(LOAD_DOC, {"room": room}, binary=True):
            if part == 2:
                owners[n] = bytes(data).decode()
            else:
                out.append(bytes(data))
                last = n
        return out, last, owners

    def append_updates(self, batch: list[tuple[str, int, bytes]],
                       owners: Sequence[tuple[str, int, str]] = ()) -> None:
        if not batch and not owners:
            return
        rooms, seqs, datas = _columns(batch, 3)
        params = [struct.pack("!q", now_ms()),
                  _array(TEXT_OID, [r.encode() for r in rooms]),
                  _array(INT8_OID, [struct.pack("!q", s) for s in seqs]),
                  _array(BYTEA_OID, datas)]
        if owners:
            o_rooms, o_clients, o_owners = _columns(owners, 3)
            params += [_array(TEXT_OID, [r.encode() for r in o_rooms]),
                       _array(INT8_OID, [struct.pack("!q", c) for c in o_clients]),
                       _array(TEXT_OID, [o.encode() for o in o_owners])]
            self._append(b"collabd_append_owned", params)
        else:
            self._append(b"collabd_append", params)

    def _append(self, name: bytes, params: list[bytes]) -> None:
        """One prepared statement through libpq: one round trip, one implicit transaction (the
        connection is in autocommit), as execute() would do, without its per-call machinery."""
        db = self._w()
        with db.lock:  # psycopg's own lock: load_doc_now may use this connection meanwhile
            conn = db.pgconn
            if self._prepared_on is not db:
                for stmt, sql in STATEMENTS.items():
                    _check(conn, conn.prepare(stmt, sql.encode()))
                self._prepared_on = db
            # libpq waits for the answer with the GIL released (psycopg's C implementation)
            res = conn.exec_prepared(name, params, [1] * len(params), 1)
            _check(conn, res)

    def compact(self, room: str, snapshot: bytes, upto: int, keep_history: bool = False) -> None:
        args = {"room": room, "data": snapshot, "upto": upto}
        if keep_history:
            # one statement: the old snapshot becomes the history's base when the rows it
            # covers are gone (every CTE sees the same snapshot of the tables)
            self._w().execute(
                "WITH b AS (INSERT INTO doc_history_base (room, data, upto) SELECT room, data, "
                "upto FROM doc_snapshots s WHERE room = %(room)s AND NOT EXISTS (SELECT 1 FROM "
                "doc_updates WHERE room = %(room)s AND seq <= s.upto) ON CONFLICT DO NOTHING) "
                "INSERT INTO doc_snapshots (room, data, upto) VALUES (%(room)s, %(data)s, "
                "%(upto)s) ON CONFLICT (room) DO UPDATE SET data = excluded.data, "
                "upto = excluded.upto", args)
            return
        self._w().execute(
            "WITH s AS (INSERT INTO doc_snapshots (room, data, upto) VALUES (%(room)s, "
            "%(data)s, %(upto)s) ON CONFLICT (room) DO UPDATE SET data = excluded.data, "
            "upto = excluded.upto), "
            "b AS (DELETE FROM doc_history_base WHERE room = %(room)s) "
            "DELETE FROM doc_updates WHERE room = %(room)s AND seq <= %(upto)s", args)

    def history(self, room: str) -> tuple[bytes | None, int, list[tuple[int, int | None, bytes]]]:
        """See SqliteStore.history; one statement, so one MVCC snapshot."""
        base: bytes | None = None
        upto = 0
        rows: list[tuple[int, int | None, bytes]] = []
        for part, n, ts, data in self._r().execute(HISTORY, {"room": room}, binary=True):
            if part == 0:
                base, upto = bytes(data), n
            elif n > upto:
                rows.append((n, ts, bytes(data)))
        return base, upto, rows

    def count_updates(self, room: str) -> int:
        row = self._r().execute("SELECT count(*) FROM doc_updates WHERE room = %s",
                                (room,)).fetchone()
        return int(row[0]) if row else 0


def _columns(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """Rows to columns, for unnest: one parameter per column whatever the number of rows."""
    cols: list[list[Any]] = [[] for _ in range(width)]
    for row in rows:
        for col, value in zip(cols, row, strict=True):
            col.append(value)
    return cols


def _array(oid: int, items: Sequence[bytes]) -> bytes:
    """A one-dimensional PostgreSQL array in binary form, of elements already in binary form:
    dimensions, no NULLs, the element type, length and lower bound 1, then each element's
    length and bytes."""
    head = struct.pack("!iiiii", 1, 0, oid, len(items), 1)
    return head + b"".join(struct.pack("!i", len(x)) + x for x in items)


def _check(conn: pq.abc.PGconn, res: pq.abc.PGresult) -> None:
    """Raise what psycopg's execute() would: OperationalError when the connection is gone,
    else the statement's own error (e.g. UniqueViolation)."""
    if res.status == pq.ExecStatus.COMMAND_OK:
        return
    if conn.status == pq.ConnStatus.BAD:
        raise psycopg.OperationalError(res.get_error_message() or "connection lost")
    raise psycopg.errors.error_from_result(res)
