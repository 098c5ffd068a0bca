"""collabd.core stays pure (its package docstring): no asyncio, no I/O, no clock reads, no
randomness, in its own modules and in the first-party modules it imports (collab_protocol).

A static check on the source (AST), so it also sees imports inside functions and calls on
modules imported under another name. The runtime passes time in (`now` arguments), and seeds.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import collab_protocol
import collabd.core

CORE = Path(collabd.core.__file__).parent
PROTOCOL = Path(collab_protocol.__file__).parent

# standard modules that reach the outside world, the clock or chance
IMPURE = {
    **dict.fromkeys(("asyncio", "selectors", "select", "threading", "multiprocessing",
                     "concurrent", "signal", "subprocess"), "concurrency or processes"),
    **dict.fromkeys(("socket", "ssl", "http", "urllib", "socketserver", "smtplib", "ftplib",
                     "webbrowser"), "network I/O"),
    **dict.fromkeys(("os", "io", "pathlib", "shutil", "glob", "tempfile", "fcntl", "mmap",
                     "sqlite3", "dbm", "shelve", "logging", "sys", "builtins", "importlib",
                     "ctypes"), "file or process I/O"),
    **dict.fromkeys(("time", "datetime", "zoneinfo", "calendar"),
                    "a clock (pass `now` in)"),
    **dict.fromkeys(("random", "secrets", "uuid"), "randomness (pass a seed in)"),
}
# outside the standard library only these, each pure
THIRD_PARTY = {
    "pycrdt": "an in-memory CRDT document (yrs)",
    "msgspec": "serialisation",
    "msgpack": "serialisation",
    "collab_protocol": "the wire codec; checked by this same rule",
}
IMPURE_BUILTINS = {"open", "print", "input", "breakpoint", "exec", "eval", "compile",
                   "__import__"}


def imported(tree: ast.Module, package: str) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the module, at any depth."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
                # `from . import x` may name a module
                out += [(node.lineno, f"{name}.{a.name}") for a in node.names]
            else:
                name = node.module or ""
            out.append((node.lineno, name))
    return out


def roots() -> tuple[tuple[Path, str], ...]:
    return (CORE, "collabd.core"), (PROTOCOL, "collab_protocol")


def module_file(name: str) -> Path | None:
    """The source of a module of collabd.core or collab_protocol (None for anything else)."""
    for root, top in roots():
        if name == top or name.startswith(top + "."):
            path = root.joinpath(*name.split(".")[len(top.split(".")):])
            for candidate in (path.with_suffix(".py"), path / "__init__.py"):
                if candidate.exists():
                    return candidate
    return None


def problems() -> list[str]:
    """Every impurity in collabd.core and the first-party modules it imports."""
    found = []
    todo = sorted(CORE.glob("*.py"))
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        root, top = next((r, t) for r, t in roots() if path.is_relative_to(r))
        package = ".".join((top, *path.relative_to(root).parts[:-1]))
        where = path.relative_to(root.parent.parent)
        tree = ast.parse(path.read_text(), str(path))
        for line, name in imported(tree, package):
            top_name = name.split(".")[0]
            source = module_file(name)
            if source is not None:
                todo.append(source)
            elif name.startswith("collabd.core.") or top_name in ("__future__", *THIRD_PARTY):
                continue  # a name imported from a core module, or a pure package
            elif top_name == "collabd":
                found.append(f"{where}:{line} imports {name}: outside collabd.core, the "
                             "runtime's side (let the caller pass in what it gives)")
            elif top_name in IMPURE:
                found.append(f"{where}:{line} imports {name}: {IMPURE[top_name]}")
            elif top_name not in sys.stdlib_module_names:
                found.append(f"{where}:{line} imports {name}: not a package known to be "
                             "pure (THIRD_PARTY in this test lists those)")
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in IMPURE_BUILTINS:
                found.append(f"{where}:{node.lineno} calls {node.func.id}(): I/O or code "
                             "loading")
    return found


def test_core_has_no_asyncio_io_clock_or_randomness():
    found = problems()
    assert not found, "collabd.core must stay pure:\n  " + "\n  ".join(found)


def test_the_check_sees_what_it_forbids(tmp_path, monkeypatch):
    """The rule itself: a module with each kind of impurity is reported, line by line."""
    core = tmp_path / "core"
    core.mkdir()
    (core / "__init__.py").write_text("from .bad import f\n")
    (core / "bad.py").write_text(
        "import asyncio\n"
        "from datetime import datetime\n"
        "from collabd.runtime import room\n"
        "import aiohttp\n"
        "def f():\n"
        "    import time as t\n"
        "    print(t.time())\n"
        "    return open('x')\n")
    monkeypatch.setattr(sys.modules[__name__], "CORE", core)
    found = "\n".join(problems())
    for expected in ("bad.py:1 imports asyncio", "bad.py:2 imports datetime",
                     "bad.py:3 imports collabd.runtime", "bad.py:4 imports aiohttp",
                     "bad.py:6 imports time", "bad.py:7 calls print()",
                     "bad.py:8 calls open()"):
        assert expected in found, found
