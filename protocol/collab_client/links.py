"""Join links and tokens: turn what an embedder hands out into a WebSocket URL.

A join link looks like `http://HOST:PORT/join#token=T` (the token sits in the fragment so it
never reaches server logs). The token is `v1.<base64url JSON {room,pid,role,exp}>.<sig>`; the
client only reads the payload to learn the room, it cannot (and need not) check the signature.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit


class LinkError(ValueError):
    """The join link or token cannot be understood."""


@dataclass(frozen=True, slots=True)
class JoinInfo:
    server: str  # http(s)://host:port
    token: str
    room: str
    pid: str
    role: str
    exp: int

    @property
    def ws_url(self) -> str:
        parts = urlsplit(self.server)
        scheme = "wss" if parts.scheme == "https" else "ws"
        return f"{scheme}://{parts.netloc}/rooms/{quote(self.room, safe='-_.~')}?token={self.token}"


def token_payload(token: str) -> dict[str, Any]:
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != "v1":
        raise LinkError("not a collabd v1 join token")
    raw = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        payload = json.loads(base64.urlsafe_b64decode(raw.encode("ascii")))
    except (ValueError, UnicodeError) as exc:
        raise LinkError("the join token's payload is not base64url JSON") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("room"), str):
        raise LinkError("the join token has no room")
    return payload


def _token_from_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss") or not parts.netloc:
        raise LinkError(f"not a join link: {url!r}")
    for blob in (parts.fragment, parts.query):
        found = parse_qs(blob).get("token")
        if found:
            scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
            return f"{scheme}://{parts.netloc}", found[0]
    raise LinkError("the join link carries no token")


def parse_join(link_or_token: str, server: str | None = None) -> JoinInfo:
    """Accept a join link (`http://h:p/join#token=T`, also `?token=T` or a ws:// room URL) or a
    bare token plus `server` (`http://h:p`)."""
    link_or_token = link_or_token.strip()
    if "://" in link_or_token:
        base, token = _token_from_url(link_or_token)
        server = server or base
    else:
        token = link_or_token
        if not server:
            raise LinkError("a bare token needs server='http://host:port'")
    if "://" not in server:
        server = "http://" + server
    payload = token_payload(token)
    return JoinInfo(
        server.rstrip("/"),
        token,
        payload["room"],
        str(payload.get("pid", "")),
        str(payload.get("role", "")),
        int(payload.get("exp", 0) or 0),
    )
