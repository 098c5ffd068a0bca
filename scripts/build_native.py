#!/usr/bin/env python3
"""Compiles collabd's per-update hot path to C extensions with mypyc, in place.

    python scripts/build_native.py                build (needs a C compiler, Python's headers
                                                  and mypy, which brings mypyc)
    python scripts/build_native.py --if-compiler  the same, but without a C compiler say so and
                                                  leave plain Python (exit 0)
    python scripts/build_native.py --fallback     plain Python (exit 0) after any failure too
    python scripts/build_native.py --clean        remove the build: plain Python again

The modules and the stale-build check are in collabd/native.py. The sources stay plain, typed
Python; the build only changes how fast they run (README, Performance).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def load_native() -> ModuleType:
    # loaded alone: importing the collabd package runs the very check a rebuild must get past
    spec = importlib.util.spec_from_file_location("collabd_native", ROOT / "collabd" / "native.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def clean(native: ModuleType) -> None:
    for path in native.built().values():
        path.unlink()
    native.STAMP.unlink(missing_ok=True)


def no_compiler() -> str | None:
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(cc) is None:
        return f"no C compiler ({cc})"
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        return "no Python headers (Python.h)"
    return None


def build(native: ModuleType) -> None:
    from mypyc.build import mypycify
    from setuptools import setup

    sources = [str(native.source(m).relative_to(ROOT)) for m in native.MODULES]
    before = native.stamp()
    os.chdir(ROOT)
    os.environ["MYPYPATH"] = "protocol"  # collab_protocol, for the type checker
    with tempfile.TemporaryDirectory(prefix="collabd-native-") as tmp:
        extensions = mypycify(sources, group_name=native.GROUP, target_dir=f"{tmp}/c")
        setup(name="collabd-native", ext_modules=extensions,
              script_args=["-q", "build_ext", "--inplace", "--build-temp", f"{tmp}/o",
                           "--build-lib", f"{tmp}/lib"])
    if native.stamp() != before:
        clean(native)
        sys.exit("a source changed during the build; run it again")
    native.STAMP.write_text(json.dumps(before, indent=1, sort_keys=True) + "\n")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--clean", action="store_true", help="remove the build")
    p.add_argument("--if-compiler", action="store_true",
                   help="without a C compiler, leave plain Python and exit 0")
    p.add_argument("--fallback", action="store_true",
                   help="after any failure, leave plain Python and exit 0")
    args = p.parse_args()
    native = load_native()
    clean(native)
    if args.clean:
        print("build_native: removed; collabd runs as plain Python")
        return
    missing = no_compiler()
    if missing:
        if args.if_compiler or args.fallback:
            print(f"build_native: {missing}; collabd runs as plain Python (slower)")
            return
        sys.exit(f"build_native: {missing}")
    try:
        build(native)
    except (Exception, SystemExit) as exc:
        if not args.fallback:
            raise
        clean(native)
        print(f"build_native: the build failed ({exc}); collabd runs as plain Python (slower)")
        return
    print(f"build_native: compiled {len(native.MODULES)} modules with mypyc")


if __name__ == "__main__":
    main()
