"""The compiled hot path: which modules scripts/build_native.py compiles, and the check that a
build matches its sources.

Python imports a module's C extension (module.cpython-*.so) before its .py, so a build older
than an edited source would quietly run the old code. The build records each source's hash in
_native.json beside this file; `check` (run when collabd is imported) refuses a mismatch.
Without a build everything runs as plain Python, with the same behaviour; COLLABD_NATIVE=0
makes a process ignore the build (to debug, or to test the plain modules).
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import sys
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

# Every document update passes through these (frame, rate limit, check, apply, commit, relay).
MODULES = (
    "collabd.adapters.websocket",
    "collabd.adapters.aiohttp_transport",
    "collabd.adapters.update_log",
    "collabd.core.ratelimit",
    "collabd.core.yupdate",
    "collabd.core.docsync",
    "collabd.runtime.stats",
    "collabd.runtime.connection",
    "collabd.runtime.persistence",
    "collabd.runtime.room",
)
GROUP = "collabd.native_hot"  # mypyc's shared library: collabd/native_hot__mypyc.*.so
ROOT = Path(__file__).resolve().parent.parent
STAMP = Path(__file__).with_name("_native.json")


class StaleBuild(ImportError):
    pass


def source(module: str) -> Path:
    return ROOT.joinpath(*module.split(".")).with_suffix(".py")


def built() -> dict[str, Path]:
    """Every extension module in the package (collabd ships none but this build's)."""
    suffixes = sorted(importlib.machinery.EXTENSION_SUFFIXES, key=len, reverse=True)
    found = {}
    for path in (ROOT / "collabd").rglob("*"):
        suffix = next((s for s in suffixes if path.name.endswith(s)), None)
        if suffix is not None:
            parts = path.relative_to(ROOT).parts
            found[".".join(parts[:-1] + (path.name[:-len(suffix)],))] = path
    return found


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stamp() -> dict[str, str]:
    return {m: digest(source(m)) for m in MODULES}


class PlainFinder:
    """Finds the hot-path modules as source, ahead of their extensions (COLLABD_NATIVE=0)."""

    @staticmethod
    def find_spec(name: str, path: object = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if name not in MODULES:
            return None
        return importlib.util.spec_from_file_location(name, source(name))


def setup() -> None:
    """Run when collabd is imported: refuse a stale build, or ignore it when asked to."""
    if os.environ.get("COLLABD_NATIVE") == "0":
        if not any(isinstance(f, PlainFinder) for f in sys.meta_path):
            sys.meta_path.insert(0, PlainFinder())
        return
    check()


def check() -> None:
    """Raise StaleBuild if a compiled module is present but does not match its source."""
    present = [m for m in built() if not m.endswith("__mypyc")]
    if not present:
        return
    try:
        recorded = json.loads(STAMP.read_text())
    except (OSError, ValueError):
        recorded = {}
    stale = [m for m in present if m not in recorded or not source(m).exists()
             or recorded[m] != digest(source(m))]
    if stale:
        raise StaleBuild(
            f"compiled modules differ from their sources ({', '.join(stale)}): rebuild with "
            "`python scripts/build_native.py`, or remove the build with "
            "`python scripts/build_native.py --clean`")


def compiled() -> list[str]:
    """The hot-path modules running compiled in this process."""
    return [m for m in MODULES
            if m in sys.modules and str(getattr(sys.modules[m], "__file__", "")).endswith(
                tuple(importlib.machinery.EXTENSION_SUFFIXES))]
