"""PostgreSQL's group commit through prepared statements and binary parameters
(PostgresStore._append): what it writes is what was given, a refused batch raises psycopg's own
error and writes nothing, and the statements are prepared again on a new connection."""

from __future__ import annotations

import psycopg
import pytest

from collabd.adapters.postgres_store import PostgresStore
from collabd.ports import StoreConflict, StoreUnavailable


def test_rows_and_owners_arrive_byte_for_byte(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    try:
        data = [bytes(range(256)), b"", b"\x00" * 3, "é漢🌍".encode()]
        store.append_updates([("r-é", i + 1, d) for i, d in enumerate(data)],
                             [("r-é", 2**32 - 1, "p-漢"), ("r-é", 7, "q")])
        store.append_updates([("r-é", 5, b"x"), ("other", 1, b"y")])
        rows, last, owners = store.load_doc("r-é")
        assert rows == [*data, b"x"] and last == 5
        assert owners == {2**32 - 1: "p-漢", 7: "q"}
        assert store.load_doc("other") == ([b"y"], 1, {})
    finally:
        store.close()


def test_a_refused_batch_raises_and_writes_nothing(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    try:
        store.append_updates([("r", 1, b"a")])
        # seq 1 again (what a second owner of the room would send): the whole batch is refused
        with pytest.raises(StoreConflict) as refused:
            store.append_updates([("r", 2, b"b"), ("r", 1, b"c")], [("r", 9, "p")])
        assert isinstance(refused.value.__cause__, psycopg.errors.UniqueViolation)
        assert store.load_doc("r") == ([b"a"], 1, {})
        store.append_updates([("r", 2, b"b")])  # the connection is still usable
        assert store.load_doc("r")[1] == 2
    finally:
        store.close()


def test_statements_are_prepared_again_after_a_reconnect(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    try:
        store.append_updates([("r", 1, b"a")], [("r", 1, "p")])
        pid = store.connection().info.backend_pid
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(StoreUnavailable) as refused:
            store.append_updates([("r", 2, b"b")])  # refused, never acknowledged
        assert isinstance(refused.value.__cause__, psycopg.OperationalError)
        store.append_updates([("r", 2, b"b")], [("r", 2, "p")])  # a new connection
        store.append_updates([("r", 3, b"c")])
        assert store.connection().info.backend_pid != pid
        assert store.load_doc("r") == ([b"a", b"b", b"c"], 3, {1: "p", 2: "p"})
    finally:
        store.close()
