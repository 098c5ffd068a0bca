"""The join token and TURN credential vector files."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from .common import TURN_SECRET, TURN_USERNAME, turn_credential


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def join_token(secret: bytes, payload: dict[str, Any]) -> str:
    body = "v1." + b64url(json.dumps(payload, separators=(",", ":")).encode())
    return body + "." + b64url(hmac.new(secret, body.encode(), hashlib.sha256).digest())


def token_file() -> dict[str, Any]:
    secret = bytes(range(32))
    other = b"another-secret"
    ok = {"room": "room-7f3a", "pid": "p-Q9m4", "role": "interviewee", "exp": 1767229200}
    good = join_token(secret, ok)
    head, payload, sig = good.split(".")
    tampered_payload = b64url(
        json.dumps(dict(ok, role="interviewer"), separators=(",", ":")).encode()
    )
    cases = [
        ("valid token", good, "room-7f3a", 1767225600, None),
        (
            "valid guest token, room name with every allowed punctuation",
            join_token(secret, dict(ok, room="pair_2026.01-a~b", pid="g-1", role="guest")),
            "pair_2026.01-a~b",
            1767225600,
            None,
        ),
        ("expired (now >= exp)", good, "room-7f3a", 1767229200, "expired_token"),
        ("token for another room", good, "room-0000", 1767225600, "wrong_room"),
        ("signed with another secret", join_token(other, ok), "room-7f3a", 1767225600, "bad_token"),
        (
            "payload changed after signing",
            f"{head}.{tampered_payload}.{sig}",
            "room-7f3a",
            1767225600,
            "bad_token",
        ),
        ("unknown version prefix", "v2" + good[2:], "room-7f3a", 1767225600, "bad_token"),
        ("padding is not allowed", f"{good}=", "room-7f3a", 1767225600, "bad_token"),
        ("not a token", "hello", "room-7f3a", 1767225600, "bad_token"),
    ]
    return {
        "name": "join_token",
        "secret_hex": secret.hex(),
        "cases": [
            {
                "description": d,
                "token": t,
                "room": r,
                "now": now,
                "error": e,
                **({"payload": _payload_of(t)} if e is None else {}),
            }
            for d, t, r, now, e in cases
        ],
    }


def _payload_of(token: str) -> Any:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def turn_file() -> dict[str, Any]:
    return {
        "name": "turn_credential",
        "cases": [
            {
                "description": "TURN REST credential (coturn use-auth-secret)",
                "secret": TURN_SECRET,
                "username": TURN_USERNAME,
                "credential": turn_credential(TURN_SECRET, TURN_USERNAME),
            },
        ],
    }


# ---------------------------------------------------------------- files
