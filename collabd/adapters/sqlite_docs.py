"""The embedded store's documents: an append-only log of updates plus at most one snapshot
per room, read merged with the hot log (update_log.py) that appends go through.

Compaction writes the new snapshot and deletes the rows it covers in one transaction, so a
crash leaves either the old or the new state, never neither.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence

from ..ports import DocRows
from . import update_log
from .errors import translated
from .rows import now_ms
from .sqlite_connection import CONFLICT, UNAVAILABLE, SqliteBase, Transaction

log_ = logging.getLogger("collabd.store")


class SqliteDocuments(SqliteBase):
    def _stored_top(self, room: str) -> int:
        """The room's last seq in the tables: its last row's, or its snapshot's."""
        row = self.db.execute(
            "SELECT MAX(x) FROM (SELECT MAX(seq) AS x FROM doc_updates WHERE room=?1 "
            "UNION ALL SELECT upto FROM doc_snapshots WHERE room=?1)", (room,)).fetchone()
        return int(row[0] or 0)

    # -- documents

    def load_doc(self, room: str) -> DocRows:
        """The room's snapshot (if any) then its updates, in order; the last update's seq; and
        the owners of its Yjs client ids. On the worker thread."""
        return self._load_doc(self.reader, room)

    def load_doc_now(self, room: str) -> DocRows:
        """load_doc on the loop's thread (through the writing connection): for rebuilding a
        room's document at once, with nothing else interleaved."""
        return self._load_doc(self.db, room)

    def _unlogged(self, room: str) -> tuple[list[tuple[int, int, bytes]], dict[int, str]]:
        """The room's rows and owners not yet in the tables, (seq, ts, update) in order: the
        writer's mirror, or for another process (a CLI next to a running server) the writer's
        segments. Read before the tables: rows leave the log only once they are in them."""
        if self.log is not None:
            return self.log.pending(room)
        rows, owners = update_log.read_all(self.path)
        mine = sorted((s, t, d) for r, s, d, t in rows if r == room)
        return mine, {c: o for r, c, o in reversed(owners) if r == room}

    def _load_doc(self, db: sqlite3.Connection, room: str) -> DocRows:
        logged, logged_owners = self._unlogged(room)
        out: list[bytes] = []
        last = 0
        row = db.execute("SELECT data, upto FROM doc_snapshots WHERE room=?", (room,)).fetchone()
        if row:
            out.append(row[0])
            last = row[1]
        for rid, data in db.execute(
            "SELECT seq, data FROM doc_updates WHERE room=? AND seq>? ORDER BY seq", (room, last)
        ):
            out.append(data)
            last = rid
        owners = dict(db.execute("SELECT client, owner FROM doc_clients WHERE room=?", (room,)))
        for seq, _, data in logged:
            if seq > last:
                out.append(data)
                last = seq
        for client, owner in logged_owners.items():
            owners.setdefault(client, owner)
        return out, last, owners

    def append_updates(self, batch: list[tuple[str, int, bytes]],
                       owners: Sequence[tuple[str, int, str]] = ()) -> None:
        """Append (room, seq, update) rows, and record (room, client, owner) bindings, in one
        transaction (group commit)."""
        ts = now_ms()  # the commit's time: what replay shows (SPEC 18)
        log = self.log
        try:  # translated here, not by a wrapper: this runs once per update
            if log is not None and log.hot:
                if log.append(ts, batch, owners) and log.drain_lock.acquire(blocking=False):
                    try:  # a flood: into the tables now, unless a drain is moving them already
                        log.move(self.db)
                    except (sqlite3.Error, OSError) as exc:  # durable in the log: drains retry
                        log_.warning("moving a flood of updates into SQLite failed: %s", exc)
                    finally:
                        log.drain_lock.release()
                return
            sql = "INSERT INTO doc_updates (room, seq, data, ts) VALUES (?, ?, ?, ?)"
            if len(batch) == 1 and not owners:
                self.db.execute(sql, (*batch[0], ts))  # a statement alone is its own transaction
                return
            with self._tx():
                self.db.executemany(sql, [(*row, ts) for row in batch])
                if owners:
                    self.db.executemany(
                        "INSERT OR IGNORE INTO doc_clients (room, client, owner) VALUES (?, ?, ?)",
                        owners)
        except (*UNAVAILABLE, *CONFLICT) as exc:
            raise translated(exc, UNAVAILABLE, CONFLICT) from exc

    def compact(self, room: str, snapshot: bytes, upto: int, keep_history: bool = False) -> None:
        """The rows it covers must be in the table before it deletes them, and no drain may
        add any during it: it moves the hot log's rows into the tables first, holding the
        drain lock (the room has the worker thread checkpoint just before, so little is left
        to move here on the loop)."""
        if self.log is None:
            self._compact(self.db, room, snapshot, upto, keep_history)
            return
        with self.log.drain_lock:
            self.log.move(self.db)
            self._compact(self.db, room, snapshot, upto, keep_history)

    @staticmethod
    def _compact(db: sqlite3.Connection, room: str, snapshot: bytes, upto: int,
                 keep_history: bool) -> None:
        with Transaction(db):
            if keep_history:
                # the old snapshot is the history's base when the rows it covers are gone
                # (pruned, or deleted before history was kept): save it before replacing it
                db.execute(
                    "INSERT OR IGNORE INTO doc_history_base (room, data, upto) "
                    "SELECT room, data, upto FROM doc_snapshots s WHERE room=?1 AND NOT EXISTS "
                    "(SELECT 1 FROM doc_updates WHERE room=?1 AND seq<=s.upto)", (room,))
            db.execute(
                "INSERT INTO doc_snapshots (room, data, upto) VALUES (?, ?, ?) "
                "ON CONFLICT(room) DO UPDATE SET data=excluded.data, upto=excluded.upto",
                (room, snapshot, upto),
            )
            if not keep_history:
                db.execute("DELETE FROM doc_updates WHERE room=? AND seq<=?", (room, upto))
                db.execute("DELETE FROM doc_history_base WHERE room=?", (room,))

    def history(self, room: str) -> tuple[bytes | None, int, list[tuple[int, int | None, bytes]]]:
        """The room's document history: (base, upto, rows) where base is the document after
        the updates with seq <= upto (None: empty, upto 0) and rows every (seq, ts, update)
        after it, in order; ts is None for rows stored before times were kept."""
        logged, _ = self._unlogged(room)
        db = self.reader
        db.execute("BEGIN")  # one consistent view of three tables
        try:
            row = db.execute("SELECT data, upto FROM doc_history_base WHERE room=?",
                             (room,)).fetchone()
            if row is None:
                row = db.execute(
                    "SELECT data, upto FROM doc_snapshots s WHERE room=?1 AND NOT EXISTS "
                    "(SELECT 1 FROM doc_updates WHERE room=?1 AND seq<=s.upto)",
                    (room,)).fetchone()
            base, upto = (row[0], row[1]) if row else (None, 0)
            rows = db.execute("SELECT seq, ts, data FROM doc_updates WHERE room=? AND seq>? "
                              "ORDER BY seq", (room, upto)).fetchall()
        finally:
            db.execute("COMMIT")
        out = [(s, t, d) for s, t, d in rows]
        top = out[-1][0] if out else upto
        return base, upto, out + [r for r in logged if r[0] > top]

    def count_updates(self, room: str) -> int:
        logged, _ = self._unlogged(room)
        if not logged:  # the writer itself, or nothing left in its log
            row = self.reader.execute("SELECT COUNT(*) FROM doc_updates WHERE room=?",
                                      (room,)).fetchone()
            return int(row[0])
        seqs = {s for (s,) in self.reader.execute("SELECT seq FROM doc_updates WHERE room=?",
                                                  (room,))}
        return len(seqs | {s for s, _, _ in logged})
