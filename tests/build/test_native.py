"""The compiled hot path (collabd/native.py, scripts/build_native.py): used when it matches its
sources, replaced by the sources with a warning when it does not, ignored with COLLABD_NATIVE=0,
required with COLLABD_NATIVE=1 (scripts/test.sh's compiled step).

The import tests run in a subprocess on a copy of the package in tmp_path, never the repository's.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from collabd import native

SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]
MODE = os.environ.get("COLLABD_NATIVE", "")


def test_the_hot_path_runs_as_the_run_asks():
    """pytest runs the sources (tests/conftest.py) unless COLLABD_NATIVE=1 asks for the build."""
    for module in native.MODULES:
        importlib.import_module(module)
    if MODE == "1" or MODE != "0" and native.present() and not native.stale():
        assert native.compiled() == list(native.MODULES)
    else:
        assert native.compiled() == []


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
    assert native.stale() == []
    native.check()


def test_an_edited_source_makes_the_build_stale(tmp_path, monkeypatch):
    src, _ = plain_tree(tmp_path, monkeypatch)
    src.write_text("X = 2\n")
    assert native.stale() == ["collabd.core.hot"]
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
    assert native.stale() == []
    native.check()


# -- importing collabd from a copy of the package, in a subprocess

REPORT = ("import importlib, collabd.native as n\n"
          "for m in n.MODULES: importlib.import_module(m)\n"
          "print(len(n.compiled()), *sorted({importlib.import_module(m).__file__.rsplit('.', 1)[1]"
          " for m in n.MODULES}))\n")


def package_copy(tmp_path: Path, build: bool, fake: bool) -> Path:
    """collabd's sources in tmp_path/collabd; with `build`, the compiled hot path beside them
    (the repository's real one, or with `fake` files that fail to load if anything imports
    them) and its stamp."""
    shutil.copytree(native.ROOT / "collabd", tmp_path / "collabd", ignore=shutil.ignore_patterns(
        "__pycache__", "web", "*" + SUFFIX, "_native.json"))
    if build:
        if fake:
            for module in (*native.MODULES, native.GROUP + "__mypyc"):
                path = tmp_path.joinpath(*module.split(".")).with_name(
                    module.rsplit(".", 1)[1] + SUFFIX)
                path.write_bytes(b"not a library: importing it raises ImportError")
        else:
            for module, path in native.built().items():
                shutil.copy(path, tmp_path.joinpath(*module.split(".")).with_name(path.name))
        stamp = {m: native.digest(tmp_path.joinpath(*m.split(".")).with_suffix(".py"))
                 for m in native.MODULES}
        (tmp_path / "collabd" / "_native.json").write_text(json.dumps(stamp))
    return tmp_path


def run(tree: Path, mode: str | None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    env.pop("COLLABD_NATIVE", None)
    if mode is not None:
        env["COLLABD_NATIVE"] = mode
    return subprocess.run([sys.executable, "-c", REPORT], capture_output=True, text=True,
                          env=env, cwd=tree, timeout=120)


def edit(tree: Path, module: str) -> None:
    path = tree.joinpath(*module.split(".")).with_suffix(".py")
    path.write_text(path.read_text() + "\n# an edit after the build\n")


def test_a_stale_build_warns_once_and_runs_every_hot_module_from_source(tmp_path):
    tree = package_copy(tmp_path, build=True, fake=True)
    edit(tree, "collabd.core.ratelimit")
    out = run(tree, None)
    assert out.returncode == 0, out.stderr
    # every module from its source, the unedited ones too (a compiled one would fail to load)
    assert out.stdout.split() == ["0", "py"]
    warnings = [line for line in out.stderr.splitlines() if "StaleBuildWarning" in line]
    assert len(warnings) == 1, out.stderr
    assert "collabd.core.ratelimit" in warnings[0]
    assert "python scripts/build_native.py" in warnings[0]


def test_a_fresh_build_is_what_imports(tmp_path):
    """The counterpart of the test above: with a matching stamp the (fake) build is loaded."""
    out = run(package_copy(tmp_path, build=True, fake=True), None)
    assert out.returncode != 0 and "ImportError" in out.stderr, out.stderr
    assert "StaleBuild" not in out.stderr


def test_collabd_native_0_imports_the_sources_of_a_fresh_build(tmp_path):
    out = run(package_copy(tmp_path, build=True, fake=True), "0")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["0", "py"] and out.stderr == ""


def test_collabd_native_1_refuses_a_stale_build(tmp_path):
    tree = package_copy(tmp_path, build=True, fake=True)
    edit(tree, "collabd.runtime.room")
    out = run(tree, "1")
    assert out.returncode != 0
    assert "StaleBuild" in out.stderr and "collabd.runtime.room" in out.stderr, out.stderr


def test_collabd_native_1_refuses_a_missing_build(tmp_path):
    out = run(package_copy(tmp_path, build=False, fake=False), "1")
    assert out.returncode != 0
    assert "StaleBuild" in out.stderr and "not compiled" in out.stderr, out.stderr


def test_without_a_build_the_sources_run_quietly(tmp_path):
    out = run(package_copy(tmp_path, build=False, fake=False), None)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["0", "py"] and out.stderr == ""


@pytest.mark.skipif(MODE != "1", reason="needs the build: scripts/test.sh's compiled step")
def test_the_real_build_runs_until_a_source_changes(tmp_path):
    tree = package_copy(tmp_path, build=True, fake=False)
    out = run(tree, None)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [str(len(native.MODULES)), SUFFIX.rsplit(".", 1)[1]]
    edit(tree, "collabd.core.yupdate")
    out = run(tree, None)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["0", "py"] and "StaleBuildWarning" in out.stderr
