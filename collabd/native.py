"""The compiled hot path: which modules scripts/build_native.py compiles, and which of the
build or the sources a process runs.

Python imports a module's C extension (module.cpython-*.so) before its .py, so a build older
than an edited source would quietly run the old code. The build records each source's hash in
_native.json beside this file; when collabd is imported (`setup`), COLLABD_NATIVE decides:

    unset  the build if it matches its sources; if it does not, a warning naming the rebuild
           command and all the hot-path modules from their sources (none from the build: see
           `use_sources`). Without a build, plain Python.
    0      the sources, build or not (the developer loop and pytest's default: tests/conftest.py)
    1      the build, or StaleBuild when it is missing or stale (CI's compiled step: it must not
           quietly test plain Python)

Both run the same code with the same behaviour; the build is only faster (README, Performance).
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings
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
    "collabd.core.deletesets",
    "collabd.core.docsync",
    "collabd.runtime.stats",
    "collabd.runtime.connection",
    "collabd.runtime.persistence",
    "collabd.runtime.room_lifecycle",
    "collabd.runtime.room",
)
GROUP = "collabd.native_hot"  # mypyc's shared library: collabd/native_hot__mypyc.*.so
ROOT = Path(__file__).resolve().parent.parent
STAMP = Path(__file__).with_name("_native.json")
REBUILD = "python scripts/build_native.py"


class StaleBuild(ImportError):
    pass


class StaleBuildWarning(RuntimeWarning):
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
    """Finds the hot-path modules as source, ahead of their extensions."""

    @staticmethod
    def find_spec(name: str, path: object = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if name not in MODULES:
            return None
        return importlib.util.spec_from_file_location(name, source(name))


def use_sources() -> None:
    """Import every hot-path module from its source. All or none: mypyc compiles them as one
    group whose modules call each other's functions and build each other's classes directly in
    C, so a compiled module beside an edited source module would still run the old code of the
    edited one, or meet a class it was not compiled against."""
    if not any(isinstance(f, PlainFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, PlainFinder())


def present() -> list[str]:
    """The compiled modules in the package (not mypyc's shared library)."""
    return [m for m in built() if not m.endswith("__mypyc")]


def stale() -> list[str]:
    """The compiled modules that do not match their sources (or the build's stamp)."""
    try:
        recorded = json.loads(STAMP.read_text())
    except (OSError, ValueError):
        recorded = {}
    return [m for m in present() if m not in recorded or not source(m).exists()
            or recorded[m] != digest(source(m))]


def setup() -> None:
    """Run when collabd is imported: the build or the sources, as COLLABD_NATIVE says."""
    mode = os.environ.get("COLLABD_NATIVE", "")
    if mode == "0":
        use_sources()
        return
    if mode == "1":
        missing = [m for m in MODULES if m not in present()]
        if missing:
            raise StaleBuild(f"COLLABD_NATIVE=1, but {', '.join(missing)} not compiled: "
                             f"build with `{REBUILD}`")
        check()
        return
    bad = stale()
    if bad:
        use_sources()
        warnings.warn(StaleBuildWarning(
            f"compiled build older than its sources ({', '.join(bad)}): running the hot path "
            f"from source (slower); rebuild with `{REBUILD}`"), stacklevel=2)


def check() -> None:
    """Raise StaleBuild if a compiled module is present but does not match its source."""
    bad = stale()
    if bad:
        raise StaleBuild(
            f"compiled modules differ from their sources ({', '.join(bad)}): rebuild with "
            f"`{REBUILD}`, or remove the build with `{REBUILD} --clean`")


def compiled() -> list[str]:
    """The hot-path modules running compiled in this process."""
    return [m for m in MODULES
            if m in sys.modules and str(getattr(sys.modules[m], "__file__", "")).endswith(
                tuple(importlib.machinery.EXTENSION_SUFFIXES))]
