"""Voice-call signaling policy: TURN REST credentials and relay-only candidate filtering.

ICE candidates carry IP addresses, which could tell an anonymous peer who you are. In relay-only
mode only `relay` candidates pass (through the TURN server), with their related address blanked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Any

KINDS = ("offer", "answer", "ice", "hangup", "restart")

_TYP = re.compile(r"\btyp\s+(\S+)")
_RADDR = re.compile(r"\braddr\s+\S+")
_RPORT = re.compile(r"\brport\s+\S+")


def turn_credential(secret: bytes, pid: str, now: int, ttl: int) -> tuple[str, str]:
    """(username, credential) of the TURN REST scheme (coturn `use-auth-secret`)."""
    username = f"{now + ttl}:{pid}"
    digest = hmac.new(secret, username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def ice_servers(stun: list[str], turn: list[str], secret: bytes | None, pid: str, now: int,
                ttl: int) -> list[dict[str, Any]]:
    servers: list[dict[str, Any]] = []
    if stun:
        servers.append({"urls": list(stun)})
    if turn and secret:
        username, credential = turn_credential(secret, pid, now, ttl)
        servers.append({"urls": list(turn), "username": username, "credential": credential})
    return servers


def candidate_type(candidate: str) -> str | None:
    m = _TYP.search(candidate)
    return m.group(1) if m else None


def relay_candidate(candidate: str) -> str | None:
    """The candidate with its related address blanked if it is a relay candidate; else None."""
    if candidate_type(candidate) != "relay":
        return None
    return _RPORT.sub("rport 0", _RADDR.sub("raddr 0.0.0.0", candidate))


_LINE_END = re.compile(r"(\r?\n)")  # browsers split SDP on LF; CR before it is optional
# `<nettype> <addrtype> <address>` at the end of o=, c= and a=rtcp lines
_ADDRESS = re.compile(r"(\bIN\s+IP([46])\s+)\S+")


def _blank_address(line: str) -> str:
    return _ADDRESS.sub(lambda m: m.group(1) + ("0.0.0.0" if m.group(2) == "4" else "::"), line)


def relay_only_sdp(sdp: str) -> str:
    """The SDP with no address of the sender's but its TURN relay's.

    Drops every non-relay `a=candidate` line and every `a=remote-candidates` line (a list of
    addresses), blanks raddr/rport in relay candidates, and the address of `o=`, `c=` and
    `a=rtcp` lines (the default candidate's, possibly a host one). CRLF or LF line endings are
    kept as they were.
    """
    parts = _LINE_END.split(sdp)
    out: list[str] = []
    for i in range(0, len(parts), 2):
        line, end = parts[i], parts[i + 1] if i + 1 < len(parts) else ""
        if line.startswith("a=candidate:"):
            kept = relay_candidate(line)
            if kept is None:
                continue
            line = kept
        elif line.startswith("a=remote-candidates:"):
            continue
        elif line.startswith(("o=", "c=", "a=rtcp:")):
            line = _blank_address(line)
        out.append(line + end)
    return "".join(out)
