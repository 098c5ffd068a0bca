"""Sessions are kept in memory only while something needs them: reading one through the API
does not load it for good, and one nobody is in and nothing times is forgotten."""

from __future__ import annotations

from support.net import wait_until
from support.server import in_process
from support.session import Participant, api, create


def loaded(server) -> set[str]:  # type: ignore[no-untyped-def]
    return set(server.hub.extensions.live)


async def test_reading_sessions_through_the_api_does_not_keep_them_loaded(tmp_path) -> None:
    async with in_process(tmp_path) as server:
        sids = [(await create(server))["session_id"] for _ in range(50)]
        for sid in sids:  # 500 reads
            for _ in range(8):
                status, body = await api(server, "GET", f"/api/sessions/{sid}")
                assert status == 200 and body["phase"] == "lobby"
            assert (await api(server, "GET", f"/api/sessions/{sid}/chat"))[0] == 200
            assert (await api(server, "GET", f"/api/sessions/{sid}/timeline"))[0] == 200
        assert loaded(server) == set()
        for sid in sids[:10]:  # changed through the API: sealed, nothing left to time
            status, body = await api(server, "POST", f"/api/sessions/{sid}/end")
            assert status == 200 and body["phase"] == "sealed"
        assert loaded(server) == set()


async def test_a_session_is_kept_while_someone_is_in_it_and_forgotten_after(tmp_path) -> None:
    async with in_process(tmp_path, unload_grace_seconds=0.05) as server:
        s = await create(server, grace_seconds=0.1)
        sid = s["session_id"]
        wrong = s["interviewer"]["token"].replace(".", ".x", 1)
        assert (await api(server, "GET", f"/api/sessions/{sid}"))[0] == 200
        try:  # a refused join does not leave it loaded either
            await Participant.join(server, sid, wrong)
        except Exception:
            pass
        assert loaded(server) == set()
        a = await Participant.join(server, sid, s["interviewer"]["token"])
        assert loaded(server) == {sid}
        status, body = await api(server, "GET", f"/api/sessions/{sid}")
        assert status == 200  # the loaded session's state: the interviewer is there
        assert [p["status"] for p in body["participants"] if p["role"] == "interviewer"] == [
            "connected"]
        await a.close()  # reconnecting for grace_seconds, then gone: nothing more to time
        await wait_until(lambda: not loaded(server), 10, "the session forgotten")
        status, body = await api(server, "GET", f"/api/sessions/{sid}")
        assert [p["status"] for p in body["participants"] if p["role"] == "interviewer"] != [
            "connected"]
        b = await Participant.join(server, sid, s["interviewee"]["token"])  # loads it again
        assert loaded(server) == {sid}
        await b.close()
