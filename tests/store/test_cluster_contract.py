"""The store methods cluster mode relies on (collabd.cluster), against every adapter: the
session compare-and-set save and the atomic webhook claim."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from store.test_contract import session_record


def test_session_compare_and_set(store: Any) -> None:
    store.save_session("s1", session_record("s1", "lobby"), 1)
    row, version = store.load_session_versioned("s1")
    assert row.record["phase"] == "lobby"
    assert store.save_session_if("s1", session_record("s1", "live"), 2, version)
    # a second writer that read the same version loses, and changes nothing
    assert not store.save_session_if("s1", session_record("s1", "cancelled"), 3, version)
    row, newer = store.load_session_versioned("s1")
    assert (row.record["phase"], newer) == ("live", version + 1)
    # a plain save (embedded mode, creation) also counts the version up
    store.save_session("s1", session_record("s1", "feedback"), 4)
    assert not store.save_session_if("s1", session_record("s1", "x"), 5, newer)
    assert store.load_session_versioned("s1")[1] == newer + 1
    assert store.load_session_versioned("nope") is None
    assert not store.save_session_if("nope", session_record("nope", "live"), 1, 0)


def test_webhook_claims_are_disjoint_and_leased(store: Any) -> None:
    for i in range(5):
        store.queue_webhook("http://127.0.0.1:9/h", f'{{"n": {i}}}', 100)
    first = store.claim_webhooks(200, 30_000, 3)
    assert [body for _, _, body, _ in first] == ['{"n": 0}', '{"n": 1}', '{"n": 2}']
    second = store.claim_webhooks(200, 30_000, 50)
    assert [body for _, _, body, _ in second] == ['{"n": 3}', '{"n": 4}']
    assert store.claim_webhooks(200, 30_000) == []  # all claimed
    store.webhook_result(first[0][0], True, 0, False)  # delivered: never again
    # the claimer of the others died: after the lease they are due again, attempts unchanged
    again = store.claim_webhooks(200 + 30_000, 30_000)
    assert [(body, attempts) for _, _, body, attempts in again] == [
        ('{"n": 1}', 0), ('{"n": 2}', 0), ('{"n": 3}', 0), ('{"n": 4}', 0)]


def test_racing_claims_never_share_a_webhook(open_store: Callable[[], Any]) -> None:
    """Several stores on one database (nodes) claim at the same moment, many times. Each
    node opens its store in its own thread (an embedded store's writes belong to that)."""
    queue = open_store()
    for i in range(60):
        queue.queue_webhook("http://127.0.0.1:9/h", str(i), 0)
    nodes = 3
    got: list[list[int]] = [[] for _ in range(nodes)]
    start = threading.Barrier(nodes)

    def claim(n: int) -> None:
        store = open_store()
        start.wait()
        while rows := store.claim_webhooks(1, 60_000, 2):
            got[n].extend(wid for wid, *_ in rows)

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(nodes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    claimed = [w for ids in got for w in ids]
    assert len(claimed) == 60 and len(set(claimed)) == 60
