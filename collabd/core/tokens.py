"""Join tokens: `v1.<b64url(JSON claims)>.<b64url(HMAC-SHA256(secret, "v1." + claims_b64))>`.

Pure: the caller passes the secret and the current time (unix seconds).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

ROLES = ("interviewer", "interviewee", "guest")
MAX_EXP = 2**53 - 1  # JSON integers a JavaScript embedder can write exactly


class TokenError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Claims:
    room: str
    pid: str
    role: str
    exp: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: bytes, body: str) -> str:
    return _b64(hmac.new(secret, f"v1.{body}".encode(), hashlib.sha256).digest())


def mint(secret: bytes, claims: Claims) -> str:
    if claims.role not in ROLES:
        raise ValueError(f"unknown role {claims.role!r}")
    body = _b64(json.dumps(
        {"room": claims.room, "pid": claims.pid, "role": claims.role, "exp": claims.exp},
        separators=(",", ":"),
    ).encode())
    return f"v1.{body}.{_sign(secret, body)}"


def verify(secret: bytes, token: str, now: int) -> Claims:
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != "v1" or not token.isascii():
        raise TokenError("bad_token", "malformed token")
    body, sig = parts[1], parts[2]
    if not hmac.compare_digest(_sign(secret, body).encode(), sig.encode()):
        raise TokenError("bad_token", "bad token signature")
    try:
        data = json.loads(_unb64(body))
    except (ValueError, RecursionError) as exc:  # binascii.Error, UnicodeError, JSONDecodeError
        raise TokenError("bad_token", "malformed token claims") from exc
    claims = _claims(data)
    if claims.exp <= now:
        raise TokenError("expired_token", "token expired")
    return claims


def _claims(data: object) -> Claims:
    """The four claims, each of its documented type (SPEC 3.1), or TokenError("bad_token")."""
    if not isinstance(data, dict):
        raise TokenError("bad_token", "token claims must be a JSON object")
    for name in ("room", "pid", "role"):
        if not isinstance(data.get(name), str):
            raise TokenError("bad_token", f"token claim {name!r} must be a string")
    exp = data.get("exp")
    if not isinstance(exp, int) or isinstance(exp, bool) or not 0 <= exp <= MAX_EXP:
        raise TokenError("bad_token", "token claim 'exp' must be an integer (Unix seconds)")
    if data["role"] not in ROLES:
        raise TokenError("bad_token", "unknown role")
    return Claims(data["room"], data["pid"], data["role"], exp)
