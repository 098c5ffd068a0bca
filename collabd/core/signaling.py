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

KINDS = ("offer", "answer", "ice", "hangup", "restart", "voice")
# the signals that say whether the sender's voice is masked (SPEC 14.3)
MASK_KINDS = ("offer", "answer", "voice")
VOICE_MASK_POLICIES = ("optional", "default", "required")

# SDP and ICE attribute names are matched whatever their case: a peer that parses them loosely
# (browsers lower-case nothing, but libraries do) must not see a host address we let through
_TYP = re.compile(r"\btyp\s+(\S+)", re.IGNORECASE)
_RADDR = re.compile(r"\braddr\s+\S+", re.IGNORECASE)
_RPORT = re.compile(r"\brport\s+\S+", re.IGNORECASE)


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
    """The candidate's `typ`, lower-cased; None without one or with more than one."""
    found = _TYP.findall(candidate)
    return found[0].lower() if len(found) == 1 else None


def relay_candidate(candidate: str) -> str | None:
    """The candidate with its related address blanked if it is a relay candidate; else None.

    Takes either form (`candidate:...` of an ICE message, `a=candidate:...` of an SDP line).
    One candidate only: a line break or a second candidate inside is refused, so a relay
    candidate cannot carry a host one along.
    """
    if "\r" in candidate or "\n" in candidate or candidate.lower().count("candidate:") > 1:
        return None
    if candidate_type(candidate) != "relay":
        return None
    return _RPORT.sub("rport 0", _RADDR.sub("raddr 0.0.0.0", candidate))


_LINE_END = re.compile(r"(\r?\n)")  # browsers split SDP on LF; CR before it is optional
# `<nettype> <addrtype> <address>` at the end of o=, c= and a=rtcp lines
_ADDRESS = re.compile(r"(\bIN\s+IP([46])\s+)\S+", re.IGNORECASE)


def _blank_address(line: str) -> str:
    return _ADDRESS.sub(lambda m: m.group(1) + ("0.0.0.0" if m.group(2) == "4" else "::"), line)


def relay_only_sdp(sdp: str) -> str:
    """The SDP with no address of the sender's but its TURN relay's.

    Drops every non-relay `a=candidate` line and every `a=remote-candidates` line (a list of
    addresses), blanks raddr/rport in relay candidates, and the address of `o=`, `c=` and
    `a=rtcp` lines (the default candidate's, possibly a host one). Attribute names match in any
    case (`a=Candidate:` is a candidate line too). CRLF or LF line endings are kept as they were.
    """
    parts = _LINE_END.split(sdp)
    out: list[str] = []
    for i in range(0, len(parts), 2):
        line, end = parts[i], parts[i + 1] if i + 1 < len(parts) else ""
        key = line.lstrip().lower()
        if "candidate:" in key and not key.startswith("a=candidate:"):
            continue  # `a=x-candidate:`, a stray `candidate:`: nothing addressed passes unread
        if key.startswith("a=candidate:"):
            kept = relay_candidate(line)
            if kept is None:
                continue
            line = kept
        elif key.startswith("a=remote-candidates:"):
            continue
        elif key.startswith(("o=", "c=", "a=rtcp:")):
            line = _blank_address(line)
        out.append(line + end)
    return "".join(out)
