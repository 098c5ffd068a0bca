"""Structured logs: one JSON object per line. Tokens never reach a log.

We log no URLs ourselves; aiohttp does, when it refuses a request before any handler runs (a bad
HTTP version, an over-long request line or header): its exception text holds the request line,
join token included. `RedactTokens` on aiohttp's loggers removes those before any handler sees
the record.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback

_STD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": round(time.time(), 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update({k: v for k, v in vars(record).items() if k not in _STD})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:  # already formatted (and redacted) by RedactTokens
            out["exc"] = record.exc_text
        return json.dumps(out, default=str)


def setup(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


_TOKEN_PARAM = re.compile(r"(token(?:=|%3D))[^\s&'\"\\]+", re.IGNORECASE)
_TOKEN = re.compile(r"v1\.[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*)?")
# the raw bytes aiohttp quotes from a bad request line or header: b'...' or bytearray(b'...')
_RAW_BYTES = re.compile(r"(?:bytearray\()?b'(?:[^'\\]|\\.)*'\)?"
                        r"|(?:bytearray\()?b\"(?:[^\"\\]|\\.)*\"\)?")
AIOHTTP_LOGGERS = ("aiohttp.server", "aiohttp.access", "aiohttp.web", "aiohttp.websocket",
                   "aiohttp.internal", "aiohttp.client")


def redact(text: str) -> str:
    """`text` without join tokens (whole or cut short) and without quoted raw request bytes."""
    text = _RAW_BYTES.sub("[request bytes redacted]", text)
    text = _TOKEN_PARAM.sub(r"\1[redacted]", text)
    return _TOKEN.sub("[token redacted]", text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact("".join(traceback.format_exception(record.exc_info[1])))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_FILTER = RedactTokens()


def redact_aiohttp_logs() -> None:
    """Install the filter on aiohttp's loggers (idempotent)."""
    for name in AIOHTTP_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
