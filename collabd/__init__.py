"""collabd: a real-time collaboration server for anonymous technical interviews."""

from .native import check as _check_native_build

_check_native_build()  # a compiled hot path older than its sources must not run (native.py)
