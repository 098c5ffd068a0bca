"""No import cycle inside `collabd`: every module can be read (and changed) knowing only what
it imports. Function-local imports count: hiding a cycle inside a function is still a cycle."""

from __future__ import annotations

from .import_graph import cycles, graph


def test_no_module_imports_itself_back() -> None:
    assert cycles(graph()) == []


def test_the_scan_sees_function_local_and_relative_imports() -> None:
    edges = graph()
    # app.py imports the cluster inside build_app, and relatively
    assert "collabd.cluster.node" in edges["collabd.app"]
    assert "collabd.runtime.hub" in edges["collabd.app"]


def test_frames_are_built_where_they_are_parsed() -> None:
    # the WebSocket framing is one adapter module: the runtime imports it to send, and the
    # adapter needs nothing of the runtime (it once imported the frame builder from it)
    edges = graph()
    assert "collabd.adapters.websocket" in edges["collabd.runtime.connection"]
    assert not any(m.startswith("collabd.runtime") for m in edges["collabd.adapters.websocket"])


def test_a_cycle_is_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
