"""lib0 primitives used by y-protocols: varUint, varString, varUint8Array.

Strings are written as the UTF-8 *byte* length followed by the bytes (lib0's rule). We do not use
pycrdt's Encoder, whose write_var_string writes the character count.
"""

from __future__ import annotations

from .errors import DecodeError

# lib0 varUints are at most 53 bits in JS (Number.MAX_SAFE_INTEGER); refuse anything larger, so a
# value we accept is one a JS peer can read too.
MAX_VAR_UINT_BYTES = 8
MAX_SAFE_INTEGER = 2**53 - 1


def write_var_uint(out: bytearray, value: int) -> None:
    if value < 0 or value > MAX_SAFE_INTEGER:
        raise ValueError("varUint must be in 0..2**53-1")
    while value > 0x7F:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)


def write_var_uint8_array(out: bytearray, data: bytes) -> None:
    write_var_uint(out, len(data))
    out += data


def write_var_string(out: bytearray, text: str) -> None:
    write_var_uint8_array(out, text.encode("utf-8"))


class Reader:
    """A cursor over bytes. Every failure raises DecodeError."""

    __slots__ = ("buf", "pos")

    def __init__(self, buf: bytes, pos: int = 0) -> None:
        self.buf = buf
        self.pos = pos

    def has_content(self) -> bool:
        return self.pos < len(self.buf)

    def read_uint8(self) -> int:
        if self.pos >= len(self.buf):
            raise DecodeError("unexpected end of data")
        b = self.buf[self.pos]
        self.pos += 1
        return b

    def read_var_uint(self) -> int:
        buf, pos = self.buf, self.pos
        if pos < len(buf) and buf[pos] < 0x80:  # one byte: most lengths, types and clocks
            self.pos = pos + 1
            return buf[pos]
        value = 0
        shift = 0
        for _ in range(MAX_VAR_UINT_BYTES):
            b = self.read_uint8()
            value |= (b & 0x7F) << shift
            if b < 0x80:
                if value > MAX_SAFE_INTEGER:
                    raise DecodeError("varUint exceeds 2**53-1")
                return value
            shift += 7
        raise DecodeError("varUint too long")

    def read_var_int(self) -> int:
        """lib0 varInt: first byte holds a sign bit (0x40) and 6 value bits."""
        b = self.read_uint8()
        value = b & 0x3F
        negative = bool(b & 0x40)
        shift = 6
        more = b & 0x80
        count = 1
        while more:
            count += 1
            if count > MAX_VAR_UINT_BYTES:
                raise DecodeError("varInt too long")
            b = self.read_uint8()
            value |= (b & 0x7F) << shift
            shift += 7
            more = b & 0x80
        if value > MAX_SAFE_INTEGER:
            raise DecodeError("varInt exceeds 2**53-1")
        return -value if negative else value

    def read_bytes(self, n: int) -> bytes:
        end = self.pos + n
        if n < 0 or end > len(self.buf):
            raise DecodeError("length exceeds data")
        data = self.buf[self.pos : end]
        self.pos = end
        return bytes(data)

    def read_var_uint8_array(self) -> bytes:
        return self.read_bytes(self.read_var_uint())

    def read_var_string(self) -> str:
        raw = self.read_var_uint8_array()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError("string is not valid UTF-8") from exc

    def rest(self) -> bytes:
        data = bytes(self.buf[self.pos :])
        self.pos = len(self.buf)
        return data
