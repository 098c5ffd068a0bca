"""collabd: a real-time collaboration server for anonymous technical interviews."""

from .native import setup as _native_setup

_native_setup()  # the compiled hot path, or its sources when stale (COLLABD_NATIVE: native.py)
