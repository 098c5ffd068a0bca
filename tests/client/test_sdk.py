"""The client SDK against a real collabd server (in-process or a child process)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from collab_client import Client, SdkError
from collab_client.links import JoinInfo, parse_join
from collab_client.positions import utf16_len
from collab_protocol import ChatMsg, SessionState
from support.server import ServerProcess, in_process

from .helpers import GOOD_INTERVIEWEE_FORM, GOOD_INTERVIEWER_FORM, create_session


async def pair(server, clients, **options):  # type: ignore[no-untyped-def]
    created = await create_session(server, **options)
    a = await clients(created.interviewer["join_url"], client_name="test-a")
    b = await clients(created.interviewee["join_url"], client_name="test-b")
    await a.wait_synced()
    await b.wait_synced()
    await a.wait_for(lambda c: c.phase == "live")
    await b.wait_for(lambda c: c.phase == "live")
    return created, a, b


async def test_edits_in_utf16_positions_converge(server, clients):
    _, a, b = await pair(server, clients)
    a.insert(0, "a🌍b")
    await b.wait_for(lambda c: c.code == "a🌍b")
    b.insert(3, "é")  # UTF-16 index 3 is after the emoji (2 units)
    b.insert(utf16_len("a🌍éb"), " 漢字")
    await a.wait_for(lambda c: c.code == "a🌍éb 漢字")
    a.delete(1, 2)  # the emoji is two UTF-16 units
    await b.wait_for(lambda c: c.code == "aéb 漢字")
    with pytest.raises(ValueError):
        a.insert(2, "x") if "🌍" in a.code else a.insert(99, "x")
    # concurrent edits from both sides converge
    a.insert(0, "<")
    b.insert(utf16_len(b.code), ">")
    await a.wait_for(lambda c: c.code == "<aéb 漢字>")
    await b.wait_for(lambda c: c.code == "<aéb 漢字>")
    a.set_text("<aéb 漢字 ok>")
    await b.wait_for(lambda c: c.code == "<aéb 漢字 ok>")
    a.meta["language"] = "python"
    await b.wait_for(lambda c: c.meta.get("language") == "python")


async def test_surrogate_split_is_refused(server, clients):
    _, a, _b = await pair(server, clients)
    a.insert(0, "🌍")
    with pytest.raises(ValueError):
        a.insert(1, "x")
    assert a.code == "🌍"


async def test_welcome_session_and_identity_stay_pseudonymous(server, clients):
    created, a, b = await pair(server, clients)
    assert a.you is not None and b.you is not None
    assert a.you["role"] == "interviewer" and b.you["role"] == "interviewee"
    assert a.you["id"] == created.interviewer["pid"]
    assert isinstance(a.session, SessionState)
    assert [p["role"] for p in a.session.participants] == ["interviewer", "interviewee"]
    names = {p["name"] for p in b.session.participants}  # type: ignore[union-attr]
    assert "Ada Lovelace" not in names and a.you["name"] in names
    await a.wait_for(lambda c: c.ice is not None)  # sent after the session view (SPEC 9.1)


async def test_chat_echo_history_and_errors(server, clients):
    created, a, b = await pair(server, clients)
    seen: list[ChatMsg] = []
    b.on_message(lambda m: seen.append(m) if isinstance(m, ChatMsg) else None)
    msg = await a.post_chat("héllo 🌍")
    assert msg.text == "héllo 🌍" and msg.id >= 1
    assert msg.from_["id"] == created.interviewer["pid"]
    await b.wait_for(lambda c: [m.text for m in c.chat] == ["héllo 🌍"])
    assert seen and seen[0].nonce == ""
    second = await b.post_chat("hi")
    assert second.id > msg.id
    await a.wait_for(lambda c: [m.id for m in c.chat] == [msg.id, second.id])
    with pytest.raises(SdkError) as err:
        await a.post_chat("   ")
    assert err.value.code == "bad_message"
    with pytest.raises(SdkError) as err:
        await a.post_chat("x" * 2001)
    assert err.value.code == "too_large"
    # a late joiner gets the whole history, in order
    c = await clients(created.interviewee["join_url"])
    await c.wait_for(lambda c: [m.text for m in c.chat] == ["héllo 🌍", "hi"])


async def test_full_interview_end_feedback_reveal_unmask(server, clients):
    created, a, b = await pair(server, clients)
    with pytest.raises(SdkError) as err:
        await b.end_interview()
    assert err.value.code == "not_allowed"
    await a.end_interview()
    assert a.phase == "feedback"
    await b.wait_for(lambda c: c.phase == "feedback" and c.session.read_only)  # type: ignore[union-attr]
    with pytest.raises(SdkError) as err:
        await a.submit_feedback({"would_hire": True})
    assert err.value.code == "invalid_feedback"
    await a.submit_feedback(GOOD_INTERVIEWER_FORM)
    await a.wait_for(
        lambda c: c.feedback_status is not None and c.feedback_status.mine == "submitted"
    )
    await b.wait_for(
        lambda c: c.feedback_status is not None and c.feedback_status.theirs == "submitted"
    )
    assert b.reveal is None
    with pytest.raises(SdkError) as err:
        await a.submit_feedback(GOOD_INTERVIEWER_FORM)
    assert err.value.code == "already_submitted"
    await b.submit_feedback(GOOD_INTERVIEWEE_FORM)
    await a.wait_for(lambda c: c.reveal is not None)
    await b.wait_for(lambda c: c.reveal is not None)
    assert "self_assessment" not in a.reveal.theirs  # type: ignore[union-attr]
    assert b.reveal.calibration == {"self": 2, "actual": 3}  # type: ignore[union-attr]
    await a.wait_for(lambda c: c.unmask_status is not None and c.unmask_status.mine == "pending")
    await a.answer_unmask("yes")
    assert a.unmask_status.mine == "yes"  # type: ignore[union-attr]
    await a.answer_unmask("withdraw")
    assert a.unmask_status.mine == "pending"  # type: ignore[union-attr]
    await a.answer_unmask("yes")
    await b.wait_for(lambda c: c.unmask_status is not None)
    await b.answer_unmask("yes")
    await a.wait_for(lambda c: c.unmask_result is not None)
    await b.wait_for(lambda c: c.unmask_result is not None)
    assert a.unmask_result.unmasked and a.unmask_result.identity["name"] == "Grace Hopper"  # type: ignore[union-attr,index]
    assert b.unmask_result.identity["email"] == "ada@example.com"  # type: ignore[union-attr,index]
    await a.wait_for(lambda c: c.phase == "unmasked")


async def test_unmask_no_is_not_attributed(server, clients):
    _, a, b = await pair(server, clients)
    await a.end_interview()
    await a.submit_feedback(GOOD_INTERVIEWER_FORM)
    await b.submit_feedback(GOOD_INTERVIEWEE_FORM)
    await b.wait_for(lambda c: c.unmask_status is not None)
    await a.answer_unmask("yes")
    await b.answer_unmask("no")
    await a.wait_for(lambda c: c.unmask_result is not None)
    assert a.unmask_result == b.unmask_result  # the same message for both: names no one
    assert a.unmask_result.unmasked is False and a.unmask_result.identity is None  # type: ignore[union-attr]
    await a.wait_for(lambda c: c.phase == "sealed")
    with pytest.raises(SdkError) as err:
        await a.answer_unmask("yes")
    assert err.value.code == "wrong_phase"


async def test_bare_token_and_refused_tokens(server, clients):
    created = await create_session(server)
    token = created.interviewee["token"]
    c = await clients(token, server=server.http)
    assert c.you is not None and c.you["role"] == "interviewee"
    info = parse_join(created.interviewee["join_url"])
    assert info.token == token and info.ws_url.startswith(f"ws://127.0.0.1:{server.port}/rooms/")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(SdkError) as err:
        await Client.connect(forged, server=server.http)
    assert err.value.code == "bad_token"


async def test_cursor_positions_cross_clients_with_pseudonyms(server, clients):
    _, a, b = await pair(server, clients)
    a.insert(0, "x = '🌍é漢'\n")
    await b.wait_for(lambda c: c.code == a.code)
    b.insert(0, "# ü\n")
    await a.wait_for(lambda c: c.code == b.code)
    index = a.code.index("漢")
    a.set_cursor(utf16_len(a.code[:index]), utf16_len(a.code[: index + 1]))
    await b.wait_for(lambda c: any(cur["anchor"] is not None for cur in c.remote_cursors()))
    (cursor,) = b.remote_cursors()
    assert (cursor["anchor"], cursor["head"]) == (
        utf16_len(b.code[:index]),
        utf16_len(b.code[: index + 1]),
    )
    assert cursor["name"] == a.you["name"] and cursor["color"] == a.you["color"]  # type: ignore[index]
    # the cursor is relative: an insert before it moves it
    b.insert(0, "🎉")
    (cursor,) = b.remote_cursors()
    assert cursor["anchor"] == utf16_len(b.code[: index + 1])
    await a.close()
    await b.wait_for(lambda c: not c.remote_cursors())


async def test_reconnect_keeps_offline_edits_and_chat(tmp_path: Path, clients):
    proc = ServerProcess(tmp_path / "data")
    running = await proc.start()
    try:
        created = await create_session(running)
        a = await clients(created.interviewer["join_url"], backoff=(0.05, 0.5))
        b = await clients(created.interviewee["join_url"], backoff=(0.05, 0.5))
        await a.wait_for(lambda c: c.phase == "live")
        a.insert(0, "before\n")
        await b.wait_for(lambda c: c.code == "before\n")
        first = await a.post_chat("one")
        proc.kill()
        await a.wait_for(lambda c: not c.connected)
        await b.wait_for(lambda c: not c.connected)
        a.insert(utf16_len(a.code), "offline é🌍\n")  # made while the server is down
        b.insert(0, "# b offline\n")
        restarted = ServerProcess(tmp_path / "data")
        restarted.port = proc.port
        restarted.log_path = proc.log_path
        await restarted.start()
        try:
            want = "# b offline\nbefore\noffline é🌍\n"
            await a.wait_for(lambda c: c.connected and c.code == want, timeout=20)
            await b.wait_for(lambda c: c.connected and c.code == want, timeout=20)
            assert a.connections >= 2
            second = await b.post_chat("two")
            await a.wait_for(lambda c: [m.id for m in c.chat] == [first.id, second.id])
        finally:
            restarted.kill()
    finally:
        proc.kill()


async def test_close_stops_and_the_other_side_sees_status(tmp_path: Path, clients):
    async with in_process(tmp_path / "d2") as running:
        created = await create_session(running, grace_seconds=0)
        a = await clients(created.interviewer["join_url"])
        b = await clients(created.interviewee["join_url"])
        await a.wait_for(lambda c: c.phase == "live")
        await b.close()  # a goodbye (close code 1000): "left" at once, not reconnecting
        assert not b.connected and b.closed_reason == "closed"

        def status(c: Client) -> str | None:
            for p in c.session.participants:  # type: ignore[union-attr]
                if p["role"] == "interviewee":
                    return str(p["status"])
            return None

        await a.wait_for(lambda c: status(c) == "left")
        with pytest.raises(SdkError):
            await b.post_chat("gone")
        await asyncio.gather(a.close(), a.close())


async def test_may_follows_the_actions_the_server_lists(server, clients):
    created, a, b = await pair(server, clients)
    assert a.may("end_interview") is True and a.may("edit_document") is True
    assert b.may("end_interview") is False  # not the interviewee's to end
    assert a.may("submit_feedback") is False
    await a.end_interview()
    await b.wait_for(lambda c: c.phase == "feedback")
    for c in (a, b):
        await c.wait_for(lambda c: c.may("submit_feedback") is True)
        assert c.may("end_interview") is False and c.may("edit_document") is False


def test_may_is_unknown_without_actions_from_the_server():
    client = Client(JoinInfo("http://127.0.0.1:1", "t", "room", "p1", "interviewer", 0))
    assert client.may("chat") is None  # no session yet
    client.you = {"id": "p1"}
    client.session = SessionState(phase="live", participants=[{"id": "p1", "role": "interviewer"}])
    assert client.may("chat") is None  # an older server: the caller judges by the phase
    client.session = SessionState(
        phase="live", participants=[{"id": "p1", "role": "interviewer", "actions": ["chat"]}])
    assert client.may("chat") is True and client.may("run") is False
