"""scripts/setup.sh (what scripts/run.sh runs) installs what the compiled hot path needs: mypyc
type-checks every module the compiled ones import, so each third-party package they reach must
be installed, or the build fails and the server quietly runs plain Python."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from collabd.native import MODULES

REPO = Path(__file__).resolve().parents[2]


def source(module: str) -> Path | None:
    for base in (REPO, REPO / "protocol"):
        for path in (base.joinpath(*module.split(".")).with_suffix(".py"),
                     base.joinpath(*module.split("."), "__init__.py")):
            if path.exists():
                return path
    return None


def third_party_reached() -> set[str]:
    """Top-level names of the packages outside the repository that the compiled modules
    import, directly or through other modules of the repository (any import, at any depth)."""
    seen: set[str] = set()
    todo = list(MODULES)
    outside: set[str] = set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        path = source(module)
        if path is None:
            top = module.split(".")[0]
            if source(top) is None and top not in sys.stdlib_module_names:
                outside.add(top)
            continue
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                todo += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    name = ".".join(parts + ([node.module] if node.module else []))
                else:
                    name = node.module or ""
                todo += [name, *(f"{name}.{alias.name}" for alias in node.names)]
    return outside


def run_path_extras() -> set[str]:
    """The extras `scripts/setup.sh` installs without --all (the run.sh path)."""
    script = (REPO / "scripts" / "setup.sh").read_text()
    installs = re.findall(r"pip install -q -e '\.\[([a-z,]+)\]'", script)
    assert len(installs) == 2, installs  # the --all line, then the run line
    return set(installs[-1].split(","))


def requirement_name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_the_run_setup_installs_every_package_the_compiled_build_reaches() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    base = {requirement_name(r) for r in project["dependencies"]}
    extras = project["optional-dependencies"]
    installed = set(base)
    for extra in run_path_extras():
        installed |= {requirement_name(r) for r in extras[extra]}
    distributions = packages_distributions()
    reached = third_party_reached()
    assert "redis" in reached  # the cluster adapters are reached through the runtime
    missing = {}
    for name in reached:
        dists = {d.lower().replace("_", "-") for d in distributions.get(name, [name])}
        if not dists & installed:
            missing[name] = sorted(dists)
    assert not missing, f"scripts/setup.sh's run path does not install {missing}"
