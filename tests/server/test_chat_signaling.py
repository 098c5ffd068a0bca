"""Chat and the voice signaling relay (issue 4), over real websockets."""

from __future__ import annotations

import asyncio

from collab_protocol import (
    ChatHistory,
    ChatMsg,
    ChatPost,
    ChatTyping,
    EndInterview,
    Error,
    FeedbackSubmit,
    Hello,
    IceServers,
    SessionState,
    Signal,
    UnmaskResult,
)
from collabd.core.signaling import turn_credential
from support.server import in_process
from support.session import ALICE, BOB, HIRE, WORK, Participant, api, create, phase_is
from support.wsclient import RawClient

HOST = "candidate:1 1 udp 2130706431 192.0.2.10 50000 typ host"
SRFLX = "candidate:2 1 udp 1694498815 198.51.100.7 40000 typ srflx raddr 192.0.2.10 rport 50000"
RELAY = "candidate:3 1 udp 16777215 127.0.0.1 41000 typ relay raddr 198.51.100.7 rport 40000"
SDP = "\r\n".join(["v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "m=audio 9 UDP/TLS/RTP/SAVPF 111",
                   "a=" + HOST, "a=" + SRFLX, "a=" + RELAY, "a=end-of-candidates", ""])


async def pair(server, **options):  # type: ignore[no-untyped-def]
    s = await create(server, **options)
    a = await Participant.join(server, s["session_id"], s["interviewer"]["token"])
    b = await Participant.join(server, s["session_id"], s["interviewee"]["token"])
    await a.until(phase_is("live"))
    return s, a, b


# -- chat


async def test_chat_is_stamped_ordered_and_echoed(server):
    s, a, b = await pair(server)
    await asyncio.gather(*(a.send(ChatPost(f"a{i}", nonce=f"na{i}")) for i in range(10)),
                         *(b.send(ChatPost(f"b{i}", nonce=f"nb{i}")) for i in range(10)))
    for p in (a, b):
        await p.until(lambda m: isinstance(m, ChatMsg) and m.text == "a9")
        await p.until(lambda m: isinstance(m, ChatMsg) and m.text == "b9")
    seen_a = [m for m in a.received if isinstance(m, ChatMsg)]
    seen_b = [m for m in b.received if isinstance(m, ChatMsg)]
    assert [m.id for m in seen_a] == sorted(m.id for m in seen_a)  # in id order
    assert [(m.id, m.text) for m in seen_a] == [(m.id, m.text) for m in seen_b]  # one order
    assert [m.text for m in seen_a if m.text.startswith("a")] == [f"a{i}" for i in range(10)]
    mine = [m for m in seen_a if m.text.startswith("a")]
    assert all(m.nonce == f"na{m.text[1:]}" for m in mine)  # the sender's echo
    assert all(m.nonce == "" for m in seen_b if m.text.startswith("a"))
    pseudonyms = {p["id"]: p["name"] for p in a.last(SessionState).participants}
    assert {m.from_["id"]: m.from_["name"] for m in seen_a} == pseudonyms
    assert {m.from_["id"] for m in mine} == {s["interviewer"]["pid"]}
    blob = a.all_bytes() + b.all_bytes()
    assert ALICE["name"].encode() not in blob and BOB["email"].encode() not in blob


async def test_history_after_reconnect_has_only_what_was_missed(server):
    s, a, b = await pair(server)
    for i in range(3):
        await a.send(ChatPost(f"first {i}"))
    last = await b.until(lambda m: isinstance(m, ChatMsg) and m.text == "first 2")
    await b.close()
    for i in range(2):
        await a.send(ChatPost(f"while away {i}"))
    await a.until(lambda m: isinstance(m, ChatMsg) and m.text == "while away 1")
    c = await RawClient.connect(f"{server.ws_base}/{s['session_id']}"
                                f"?token={s['interviewee']['token']}")
    await c.send(Hello(v=1, chat_after=last.id))
    hist = await c.recv_until(lambda m: isinstance(m, ChatHistory))
    assert [m["text"] for m in hist.messages] == ["while away 0", "while away 1"]
    await c.close()


async def test_chat_limits_and_no_store_over_them(tmp_path):
    async with in_process(tmp_path, chat_max_chars=20, chat_rate=0.001, chat_burst=3) as server:
        s, a, b = await pair(server)
        await a.send(ChatPost("x" * 21, nonce="long"))
        assert (await a.next(lambda m: isinstance(m, Error))).code == "too_large"
        await a.send(ChatPost("   ", nonce="blank"))
        assert (await a.next(lambda m: isinstance(m, Error))).code == "bad_message"
        for i in range(4):
            await a.send(ChatPost(f"m{i}", nonce=str(i)))
        err = await a.until(lambda m: isinstance(m, Error) and m.code == "rate_limited")
        assert err.ref == "3"
        rows = server.hub.store.chat_after(s["session_id"], 0, 100)
        assert [r["text"] for r in rows] == ["m0", "m1", "m2"]


async def test_chat_survives_a_restart_and_closes_when_sealed(tmp_path):
    async with in_process(tmp_path) as server:
        s, a, b = await pair(server)
        await a.send(ChatPost("before restart é🌍"))
        await b.until(lambda m: isinstance(m, ChatMsg))
        await a.close()
        await b.close()
    async with in_process(tmp_path) as server:
        b = await Participant.join(server, s["session_id"], s["interviewee"]["token"])
        hist = await b.until(lambda m: isinstance(m, ChatHistory))
        assert [m["text"] for m in hist.messages] == ["before restart é🌍"]
        a = await Participant.join(server, s["session_id"], s["interviewer"]["token"])
        await a.send(EndInterview())
        await b.until(phase_is("feedback"))  # before b submits
        await a.send(FeedbackSubmit({**HIRE, "would_hire": False}, nonce="1"))
        await b.send(FeedbackSubmit(WORK, nonce="2"))
        await b.until(lambda m: isinstance(m, UnmaskResult))
        await b.send(ChatPost("after"))
        assert (await b.next(lambda m: isinstance(m, Error))).code == "chat_closed"


async def test_typing_is_relayed_with_the_pseudonym(server):
    s, a, b = await pair(server)
    await a.send(ChatTyping(True))
    got = await b.next(lambda m: isinstance(m, ChatTyping))
    assert got.on and got.from_["id"] == s["interviewer"]["pid"]


# -- signaling


async def test_signal_goes_to_the_other_member_only_with_from_stamped(server):
    s, a, b = await pair(server)
    other_s, other_a, other_b = await pair(server)
    await a.send(Signal("offer", {"sdp": SDP, "type": "offer"}, to=s["interviewee"]["pid"],
                        from_={"id": "forged", "name": "Mallory"}))
    got = await b.next(lambda m: isinstance(m, Signal))
    assert got.from_["id"] == s["interviewer"]["pid"] and got.from_["name"] != "Mallory"
    assert got.data["sdp"] == SDP  # not relay-only: untouched
    # to someone of another session, to oneself, to nobody: refused, delivered nowhere
    for to in (other_s["interviewee"]["pid"], s["interviewer"]["pid"], "nobody"):
        await a.send(Signal("ice", {"candidate": RELAY}, to=to))
        assert (await a.next(lambda m: isinstance(m, Error))).code == "bad_target"
    await other_b.drain()
    await other_a.drain()
    assert not [m for m in other_b.received + other_a.received if isinstance(m, Signal)]


async def test_signal_validation(tmp_path):
    async with in_process(tmp_path, max_sdp_bytes=100, signal_rate=0.001,
                          signal_burst=6) as server:
        s, a, b = await pair(server)
        to = s["interviewee"]["pid"]
        for sig, code in ((Signal("dance", {}, to=to), "bad_message"),
                          (Signal("offer", {"sdp": 5}, to=to), "bad_message"),
                          (Signal("offer", {"sdp": "x" * 101}, to=to), "too_large"),
                          (Signal("ice", {"candidate": "c" * 2000}, to=to), "too_large")):
            await a.send(sig)
            assert (await a.next(lambda m: isinstance(m, Error))).code == code
        for _ in range(4):
            await a.send(Signal("hangup", {}, to=to))
        assert (await a.until(lambda m: isinstance(m, Error) and m.code == "rate_limited"))
        await b.drain()
        # burst 6: three refused-for-content signals used tokens (an unknown kind does not),
        # so three hangups got through and the fourth was limited
        assert len([m for m in b.received if isinstance(m, Signal)]) == 3


async def test_relay_only_strips_host_and_srflx_candidates(tmp_path):
    async with in_process(tmp_path, settings={"turn_urls": ("turn:127.0.0.1:3478",),
                                              "turn_secret": "s3cret"}) as server:
        s, a, b = await pair(server, relay_only=True)
        ice = await a.until(lambda m: isinstance(m, IceServers))
        assert ice.relay_only
        [turn] = ice.servers
        assert turn["username"].endswith(":" + s["interviewer"]["pid"])
        assert turn_credential(b"s3cret", s["interviewer"]["pid"],
                               int(turn["username"].split(":")[0]), 0)[1] == turn["credential"]
        to = s["interviewee"]["pid"]
        await a.send(Signal("offer", {"sdp": SDP, "type": "offer"}, to=to))
        got = await b.next(lambda m: isinstance(m, Signal))
        assert "typ host" not in got.data["sdp"] and "typ srflx" not in got.data["sdp"]
        assert "192.0.2.10" not in got.data["sdp"] and "198.51.100.7" not in got.data["sdp"]
        assert "typ relay raddr 0.0.0.0 rport 0" in got.data["sdp"]
        for cand in (HOST, SRFLX):
            await a.send(Signal("ice", {"candidate": cand, "sdpMid": "0"}, to=to))
        await a.send(Signal("ice", {"candidate": RELAY, "sdpMid": "0"}, to=to))
        got = await b.next(lambda m: isinstance(m, Signal))
        assert got.data["candidate"].endswith("typ relay raddr 0.0.0.0 rport 0")
        await b.drain()
        assert not [m for m in b.received if isinstance(m, Signal) and "192.0.2" in str(m)]


# -- issue 10 items 11 and 12: relay-only SDP in every shape; bounded signal data, nonce, history

LF_SDP = "\n".join([
    "v=0", "o=- 4611731400430051336 2 IN IP4 192.0.2.10", "s=-", "t=0 0",
    "m=audio 50000 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 198.51.100.7",
    "a=rtcp:50001 IN IP4 198.51.100.7", "a=" + HOST, "a=" + SRFLX, "a=" + RELAY,
    "a=remote-candidates:1 192.0.2.10 50000", "",
])


async def test_relay_only_sdp_with_lf_endings_and_session_addresses(tmp_path):
    async with in_process(tmp_path) as server:
        s, a, b = await pair(server, relay_only=True)
        to = s["interviewee"]["pid"]
        for sdp in (LF_SDP, LF_SDP.replace("\n", "\r\n")):
            await a.send(Signal("offer", {"sdp": sdp, "type": "offer"}, to=to))
            got = await b.next(lambda m: isinstance(m, Signal))
            out = got.data["sdp"]
            assert "192.0.2.10" not in out and "198.51.100.7" not in out, out
            assert out.count("a=candidate:") == 1 and "typ relay raddr 0.0.0.0 rport 0" in out
            assert "c=IN IP4 0.0.0.0" in out and "a=remote-candidates" not in out


async def test_relay_only_matches_candidates_in_any_case(tmp_path):
    async with in_process(tmp_path) as server:
        s, a, b = await pair(server, relay_only=True)
        to = s["interviewee"]["pid"]
        shouting = LF_SDP.replace("a=candidate:", "a=Candidate:").replace("typ ", "TYP ")
        await a.send(Signal("offer", {"sdp": shouting, "type": "offer"}, to=to))
        got = await b.next(lambda m: isinstance(m, Signal))
        assert "192.0.2.10" not in got.data["sdp"] and "198.51.100.7" not in got.data["sdp"]
        for cand in (HOST.upper(), "a=" + SRFLX.replace("typ", "Typ"), "A=CANDIDATE:" + HOST[10:]):
            await a.send(Signal("ice", {"candidate": cand, "sdpMid": "0"}, to=to))
        await a.send(Signal("ice", {"candidate": RELAY.replace("typ relay", "TYP RELAY"),
                                    "sdpMid": "0"}, to=to))
        got = await b.next(lambda m: isinstance(m, Signal) and m.kind == "ice")
        assert "198.51.100.7" not in got.data["candidate"]
        assert "127.0.0.1 41000" in got.data["candidate"]
        await b.drain()
        assert not [m for m in b.received if isinstance(m, Signal) and "192.0.2" in str(m)]


def _collab_frame(payload: dict) -> bytes:  # type: ignore[type-arg]
    import msgpack  # type: ignore[import-untyped]

    from collab_protocol.lib0 import write_var_uint8_array

    out = bytearray(b"\x64")
    write_var_uint8_array(out, msgpack.packb(payload, use_bin_type=True))
    return bytes(out)


async def test_signal_data_is_bounded_and_has_string_keys_only(server):
    s, a, b = await pair(server)
    to = s["interviewee"]["pid"]
    # a binary map key inside data: refused by the codec (the web client's codec would choke)
    await a.send(_collab_frame({"t": "signal", "kind": "hangup", "data": {b"k": 1}, "to": to}))
    assert (await a.next(lambda m: isinstance(m, Error))).code == "bad_message"
    for sig in (Signal("hangup", {"why": "x" * 900_000}, to=to),
                Signal("restart", {"pad": list(range(2000))}, to=to),
                Signal("offer", {"sdp": "v=0\r\n", "type": "offer", "junk": "y" * 5000}, to=to),
                Signal("ice", {"candidate": RELAY, "sdpMid": "m" * 5000}, to=to)):
        await a.send(sig)
        assert (await a.next(lambda m: isinstance(m, Error))).code == "too_large"
    await a.send(Signal("hangup", {"reason": "bye"}, to=to))  # small extras still pass
    got = await b.next(lambda m: isinstance(m, Signal))
    assert got.kind == "hangup" and got.data == {"reason": "bye"}
    assert not [m for m in b.received if isinstance(m, Signal) and m.kind != "hangup"]


async def test_a_long_nonce_is_refused_and_never_echoed(server):
    s, a, b = await pair(server)
    nonce = "n" * 500_000
    await a.send(ChatPost("hello", nonce=nonce))
    err = await a.next(lambda m: isinstance(m, Error))
    assert err.code == "bad_message" and err.ref == ""
    await a.send(ChatPost("fine", nonce="n" * 64))
    echo = await a.next(lambda m: isinstance(m, ChatMsg))
    assert echo.text == "fine" and echo.nonce == "n" * 64
    assert len(a.all_bytes()) < 100_000  # the long nonce came back nowhere
    await b.until(lambda m: isinstance(m, ChatMsg) and m.text == "fine")
    assert [m.text for m in b.received if isinstance(m, ChatMsg)] == ["fine"]


async def test_chat_history_frames_stay_under_the_frame_limit(server):
    room, sender = "hist", {"id": "p", "name": "Guest", "color": "#123456"}
    text = "🌍" * 2000  # the longest chat text: 8,000 bytes
    store, persistence = server.hub.store, server.hub.persistence
    for i in range(250):
        await persistence.write(store.append_chat, room, i, sender, text)
    c = await Participant.join(server, room, server.token(room))
    frames_before = len(c.c.frames)
    got: list = []  # type: ignore[type-arg]
    while len(got) < 250:
        got += (await c.next(lambda m: isinstance(m, ChatHistory))).messages
    assert [m["ts"] for m in got] == list(range(250))
    limit = server.hub.settings.limits.max_frame_bytes
    sizes = [len(f) for f in c.c.frames[frames_before - 1:]]
    assert max(sizes) <= limit, sizes


# -- masked voices (SPEC 14.3)


async def test_voice_mask_policy_reaches_both_and_masked_flag_is_relayed(server):
    s, a, b = await pair(server, voice_mask="default")
    for p in (a, b):
        assert (await p.until(lambda m: isinstance(m, IceServers))).voice_mask == "default"
    to_b, to_a = s["interviewee"]["pid"], s["interviewer"]["pid"]
    await a.send(Signal("offer", {"sdp": SDP, "type": "offer"}, to=to_b, masked=True))
    got = await b.next(lambda m: isinstance(m, Signal))
    assert got.kind == "offer" and got.masked
    await b.send(Signal("answer", {"sdp": SDP, "type": "answer"}, to=to_a))
    assert not (await a.next(lambda m: isinstance(m, Signal))).masked
    await b.send(Signal("voice", {}, to=to_a, masked=True))
    got = await a.next(lambda m: isinstance(m, Signal))
    assert got.kind == "voice" and got.masked
    # the flag means nothing on other kinds: it is not relayed there
    await a.send(Signal("hangup", {}, to=to_b, masked=True))
    got = await b.next(lambda m: isinstance(m, Signal))
    assert got.kind == "hangup" and not got.masked


async def test_required_voice_mask_refuses_an_unmasked_offer(server):
    s, a, b = await pair(server, voice_mask="required")
    assert (await a.until(lambda m: isinstance(m, IceServers))).voice_mask == "required"
    to_b = s["interviewee"]["pid"]
    for kind in ("offer", "voice"):
        data = {"sdp": SDP, "type": kind} if kind == "offer" else {}
        await a.send(Signal(kind, data, to=to_b))
        err = await a.next(lambda m: isinstance(m, Error))
        assert err.code == "voice_mask_required"
    await a.send(Signal("offer", {"sdp": SDP, "type": "offer"}, to=to_b, masked=True))
    got = await b.next(lambda m: isinstance(m, Signal))
    assert got.kind == "offer" and got.masked
    await b.drain()
    assert len([m for m in b.received if isinstance(m, Signal)]) == 1  # nothing unmasked


async def test_plain_session_says_masking_is_optional(server):
    _, a, _ = await pair(server)
    assert (await a.until(lambda m: isinstance(m, IceServers))).voice_mask == "optional"


async def test_an_unknown_voice_mask_policy_is_refused_at_creation(server):
    status, body = await api(server, "POST", "/api/sessions", {
        "interviewer": ALICE, "interviewee": BOB, "options": {"voice_mask": "whisper"}})
    assert status == 400 and "voice_mask" in str(body)
