import base64
import hashlib
import hmac

from collabd.core.signaling import ice_servers, relay_candidate, relay_only_sdp, turn_credential

HOST = "candidate:1 1 udp 2130706431 192.0.2.10 50000 typ host"
SRFLX = "candidate:2 1 udp 1694498815 198.51.100.7 40000 typ srflx raddr 192.0.2.10 rport 50000"
RELAY = "candidate:3 1 udp 16777215 127.0.0.1 41000 typ relay raddr 198.51.100.7 rport 40000"
SDP = "\r\n".join(["v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "m=audio 9 UDP/TLS/RTP/SAVPF 111",
                   "a=" + HOST, "a=" + SRFLX, "a=" + RELAY, "a=end-of-candidates", ""])


def test_relay_only_filters():
    assert relay_candidate(HOST) is None and relay_candidate(SRFLX) is None
    assert relay_candidate("candidate:9 1 udp 1 abc.local 5 typ host") is None
    assert relay_candidate(RELAY) == (
        "candidate:3 1 udp 16777215 127.0.0.1 41000 typ relay raddr 0.0.0.0 rport 0")
    out = relay_only_sdp(SDP)
    assert out.count("a=candidate") == 1 and out.endswith("\r\n")


def test_turn_credentials_follow_the_rest_scheme():
    user, cred = turn_credential(b"k", "p-1", 1000, 60)
    assert user == "1060:p-1"
    assert base64.b64decode(cred) == hmac.new(b"k", b"1060:p-1", hashlib.sha1).digest()


def test_ice_servers_hold_no_static_password():
    servers = ice_servers(["stun:127.0.0.1:3478"], ["turn:127.0.0.1:3478"], b"k", "p-1", 1000, 60)
    assert servers[0] == {"urls": ["stun:127.0.0.1:3478"]}
    assert servers[1]["username"] == "1060:p-1" and servers[1]["credential"] != "k"
    assert ice_servers([], ["turn:x"], None, "p", 0, 1) == []  # no secret, no TURN


CHROME_LIKE = [
    "v=0", "o=- 4611731400430051336 2 IN IP4 192.0.2.10", "s=-", "t=0 0",
    "m=audio 50000 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 198.51.100.7",
    "a=rtcp:50001 IN IP4 198.51.100.7", "a=" + HOST, "a=" + SRFLX, "a=" + RELAY,
    "a=remote-candidates:1 192.0.2.10 50000 2 192.0.2.10 50001",
    "m=video 9 UDP/TLS/RTP/SAVPF 96", "c=IN IP6 2001:db8::7", "a=rtcp:9 IN IP6 2001:db8::7",
    "a=candidate:4 1 udp 2122262783 2001:db8::7 50002 typ host", "",
]
SECRET_ADDRESSES = ("192.0.2.10", "198.51.100.7", "2001:db8::7")


def test_relay_only_strips_every_address_with_crlf_and_lf():
    for end in ("\r\n", "\n"):
        out = relay_only_sdp(end.join(CHROME_LIKE))
        assert not any(addr in out for addr in SECRET_ADDRESSES), (end, out)
        assert out.count("a=candidate") == 1 and "a=remote-candidates" not in out
        lines = out.split(end)
        assert "o=- 4611731400430051336 2 IN IP4 0.0.0.0" in lines
        assert "c=IN IP4 0.0.0.0" in lines and "c=IN IP6 ::" in lines
        assert "a=rtcp:50001 IN IP4 0.0.0.0" in lines and "a=rtcp:9 IN IP6 ::" in lines
        assert out.endswith(end) and (end == "\r\n") == ("\r" in out)


def _cased(line: str, how: str) -> str:
    return {"upper": line.upper(), "title": line[:2] + line[2:].capitalize(),
            "typ": line.replace("typ ", "TYP ").replace("raddr", "RADDR")}[how]


def test_relay_only_matches_attribute_names_in_any_case():
    for how in ("upper", "title", "typ"):
        for end in ("\r\n", "\n"):
            sdp = end.join(_cased(line, how) if "candidate" in line else line
                           for line in CHROME_LIKE)
            out = relay_only_sdp(sdp)
            assert not any(addr.lower() in out.lower() for addr in SECRET_ADDRESSES), (how, out)
            assert "remote-candidates" not in out.lower()
        # the ICE message form, with or without the `a=` of an SDP line
        for cand in (HOST, SRFLX, "a=" + HOST, "a=" + SRFLX):
            assert relay_candidate(_cased(cand, how)) is None, (how, cand)
    kept = relay_candidate("a=Candidate:3 1 UDP 1 127.0.0.1 41000 TYP Relay RADDR 198.51.100.7 "
                           "RPORT 40000")
    assert kept is not None and "198.51.100.7" not in kept and "40000" not in kept


def test_relay_only_refuses_a_candidate_that_smuggles_another():
    assert relay_candidate(RELAY + "\r\na=" + HOST) is None
    assert relay_candidate(RELAY + " " + HOST) is None
    assert relay_candidate(HOST + " typ relay") is None  # two types: not a relay candidate
    sdp = "\r\n".join(["v=0", "a=" + RELAY + " " + HOST, "a=x-" + HOST, " a=" + HOST, ""])
    assert not any(addr in relay_only_sdp(sdp) for addr in SECRET_ADDRESSES)
