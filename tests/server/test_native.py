"""The compiled hot path (collabd/native.py, scripts/build_native.py): in use where a C compiler
is, refused when it differs from its sources, ignored with COLLABD_NATIVE=0."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig

import pytest

from collabd import native

SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def test_the_hot_path_runs_compiled_where_it_can_be_built():
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(cc) is None:
        pytest.fail(f"no C compiler ({cc}): scripts/setup.sh leaves plain Python; install gcc")
    for module in native.MODULES:
        importlib.import_module(module)
    assert native.compiled() == list(native.MODULES), (
        "run `python scripts/build_native.py` (scripts/setup.sh does)")


def plain_tree(tmp_path, monkeypatch):
    """A package tree of one compiled module, with its stamp."""
    (tmp_path / "collabd" / "core").mkdir(parents=True)
    src = tmp_path / "collabd" / "core" / "hot.py"
    src.write_text("X = 1\n")
    (tmp_path / "collabd" / "core" / ("hot" + SUFFIX)).write_bytes(b"not really a library")
    (tmp_path / "collabd" / ("native_hot__mypyc" + SUFFIX)).write_bytes(b"shared")
    stamp = tmp_path / "collabd" / "_native.json"
    monkeypatch.setattr(native, "ROOT", tmp_path)
    monkeypatch.setattr(native, "STAMP", stamp)
    monkeypatch.setattr(native, "MODULES", ("collabd.core.hot",))
    stamp.write_text(json.dumps(native.stamp()))
    return src, stamp


def test_a_build_matching_its_sources_is_accepted(tmp_path, monkeypatch):
    plain_tree(tmp_path, monkeypatch)
    assert sorted(native.built()) == ["collabd.core.hot", "collabd.native_hot__mypyc"]
    native.check()


def test_an_edited_source_makes_the_build_stale(tmp_path, monkeypatch):
    src, _ = plain_tree(tmp_path, monkeypatch)
    src.write_text("X = 2\n")
    with pytest.raises(native.StaleBuild, match="collabd.core.hot"):
        native.check()


def test_an_extension_the_stamp_does_not_name_is_stale(tmp_path, monkeypatch):
    _, stamp = plain_tree(tmp_path, monkeypatch)
    (tmp_path / "collabd" / "core" / "other.py").write_text("")
    (tmp_path / "collabd" / "core" / ("other" + SUFFIX)).write_bytes(b"left from a build")
    with pytest.raises(native.StaleBuild, match="collabd.core.other"):
        native.check()
    stamp.unlink()
    with pytest.raises(native.StaleBuild, match="collabd.core.hot"):
        native.check()


def test_no_build_is_plain_python(tmp_path, monkeypatch):
    plain_tree(tmp_path, monkeypatch)
    for path in native.built().values():
        path.unlink()
    native.check()


def test_collabd_native_0_imports_the_sources():
    code = ("import collabd.app, collabd.native as n, collabd.runtime.room as r; "
            "print(n.compiled(), r.__file__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "COLLABD_NATIVE": "0"}).stdout.split()
    assert out[0] == "[]" and out[1].endswith("room.py")
