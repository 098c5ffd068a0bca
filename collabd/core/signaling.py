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


def relay_only_sdp(sdp: str) -> str:
    """Drop every non-relay `a=candidate` line; blank raddr/rport in the relay ones."""
    lines = []
    for line in sdp.split("\r\n"):
        if line.startswith("a=candidate:"):
            kept = relay_candidate(line)
            if kept is None:
                continue
            line = kept
        lines.append(line)
    return "\r\n".join(lines)
