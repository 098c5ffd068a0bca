"""Validation of the session API's JSON bodies, with errors that name the field."""

from __future__ import annotations

from typing import Any

from ..core.session import Identity, SessionOptions
from ..core.unmask import UnmaskPolicy


class InvalidPayload(ValueError):
    code = "invalid_payload"


def _str(data: dict[str, Any], key: str, where: str, max_len: int, required: bool = True) -> str:
    value = data.get(key, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > max_len:
        raise InvalidPayload(f"{where}.{key} must be a non-empty string of at most {max_len} "
                             "characters" if required else f"{where}.{key} must be a string")
    return value


def identity(data: Any, where: str) -> Identity:
    if not isinstance(data, dict):
        raise InvalidPayload(f"{where} must be an object {{name, email, profile?}}")
    unknown = set(data) - {"name", "email", "profile"}
    if unknown:
        raise InvalidPayload(f"{where} has unknown fields: {', '.join(sorted(unknown))}")
    email = _str(data, "email", where, 320)
    if "@" not in email:
        raise InvalidPayload(f"{where}.email is not an email address")
    return Identity(_str(data, "name", where, 200), email,
                    _str(data, "profile", where, 2000, required=False))


SECONDS_FIELDS = {  # option -> (SessionOptions field, min seconds, max seconds)
    "interview_seconds": ("interview_ms", 0.1, 24 * 3600),
    "feedback_seconds": ("feedback_ms", 0.1, 90 * 86400),
    "unmask_seconds": ("unmask_ms", 0.1, 90 * 86400),
    "grace_seconds": ("grace_ms", 0, 3600),
}


def options(data: Any) -> tuple[SessionOptions, dict[str, Any]]:
    """SessionOptions and the extras the runtime keeps beside the session."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidPayload("options must be an object")
    allowed = set(SECONDS_FIELDS) | {"unmask_policy", "relay_only", "webhook_url"}
    unknown = set(data) - allowed
    if unknown:
        raise InvalidPayload(f"options has unknown fields: {', '.join(sorted(unknown))}")
    kw: dict[str, Any] = {}
    for name, (target, low, high) in SECONDS_FIELDS.items():
        if name in data:
            value = data[name]
            if isinstance(value, bool) or not isinstance(value, int | float) or not (
                    low <= value <= high):
                raise InvalidPayload(f"options.{name} must be a number from {low} to {high}")
            kw[target] = int(value * 1000)
    if "unmask_policy" in data:
        try:
            kw["policy"] = UnmaskPolicy(data["unmask_policy"])
        except ValueError:
            raise InvalidPayload("options.unmask_policy must be one of: "
                                 + ", ".join(p.value for p in UnmaskPolicy)) from None
    extra: dict[str, Any] = {}
    if "relay_only" in data:
        if not isinstance(data["relay_only"], bool):
            raise InvalidPayload("options.relay_only must be true or false")
        extra["relay_only"] = data["relay_only"]
    if "webhook_url" in data:
        url = data["webhook_url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise InvalidPayload("options.webhook_url must be an http(s) URL")
        extra["webhook_url"] = url
    return SessionOptions(**kw), extra


def create_session(body: Any) -> tuple[Identity, Identity, SessionOptions, dict[str, Any], bool]:
    if not isinstance(body, dict):
        raise InvalidPayload("the body must be a JSON object")
    unknown = set(body) - {"interviewer", "interviewee", "options", "simulated"}
    if unknown:
        raise InvalidPayload(f"unknown fields: {', '.join(sorted(unknown))}")
    simulated = body.get("simulated", False)
    if not isinstance(simulated, bool):
        raise InvalidPayload("simulated must be true or false")
    opts, extra = options(body.get("options"))
    return (identity(body.get("interviewer"), "interviewer"),
            identity(body.get("interviewee"), "interviewee"), opts, extra, simulated)
