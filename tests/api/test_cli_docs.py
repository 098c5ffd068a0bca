"""The README's usage block, the docs and every command's --help agree with the parsers
(issue 16 item 5)."""

from __future__ import annotations

import argparse
import re
from dataclasses import fields
from pathlib import Path

import pytest

from collabd.cli import parser
from collabd.config import Limits

REPO = Path(__file__).resolve().parents[2]


def usage_block() -> dict[str, str]:
    """README's usage lines, joined per command: {'serve': '[--host HOST] ...', ...}."""
    text = (REPO / "README.md").read_text()
    block = text.split("## Using it\n", 1)[1].strip("\n").split("\n\n", 1)[0]
    commands: dict[str, str] = {}
    current = ""
    for line in block.splitlines():
        m = re.match(r"\s{4}(collabd (\S+)|collab-term)\s(.*)", line)
        if m:
            current = m.group(2) or "collab-term"
            commands[current] = m.group(3)
        else:
            commands[current] += " " + line.strip()
    return commands


def subparsers() -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices)


def options_of(p: argparse.ArgumentParser) -> tuple[list[set[str]], list[str]]:
    """(the option strings of each option, positional metavars) of a parser, without --help."""
    opts: list[set[str]] = []
    positionals: list[str] = []
    for action in p._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if action.option_strings:
            opts.append(set(action.option_strings))
        else:
            positionals.append((action.metavar or action.dest).upper())
    return opts, positionals


def parsers() -> dict[str, argparse.ArgumentParser]:
    out = subparsers()
    try:
        from collab_term.cli import build_parser
    except ImportError:  # the terminal client is not installed: its line is not checked
        return out
    out["collab-term"] = build_parser()
    return out


def test_the_readme_usage_block_matches_the_parsers() -> None:
    documented = usage_block()
    real = parsers()
    assert set(subparsers()) <= set(documented), "a command is missing from the README"
    assert set(documented) <= set(real) | {"collab-term"}, "the README names a command that is gone"
    for name, p in real.items():
        opts, positionals = options_of(p)
        line = documented[name]
        shown = set(re.findall(r"(?<![\w-])--?[a-z][\w-]*", line)) - {"-h"}
        missing = [sorted(o) for o in opts if not o & shown]
        assert not missing, f"collabd {name}: options not in the README: {missing}"
        unknown = shown - set().union(*opts)
        assert not unknown, f"collabd {name}: README options the parser lacks: {unknown}"
        for metavar in positionals:
            assert re.search(rf"(?<![\w-]){metavar}(?![\w-])", line), (name, metavar)


@pytest.mark.parametrize("name", sorted(subparsers()))
def test_every_option_has_help_and_no_issue_numbers(name: str) -> None:
    p = subparsers()[name]
    for action in p._actions:
        assert action.help, f"collabd {name} {action.option_strings or action.dest}: no help"
    text = p.format_help()
    assert not re.search(r"\(issue \d+\)", text), text
    assert p.description, f"collabd {name} has no description"


def test_the_top_help_names_every_command() -> None:
    text = parser().format_help()
    for name in subparsers():
        assert name in text.split("positional arguments")[0], name


def test_every_limit_is_documented() -> None:
    guide = (REPO / "docs" / "operations.md").read_text()
    missing = [f.name for f in fields(Limits) if f"`{f.name}`" not in guide]
    assert not missing, f"limits missing from docs/operations.md: {missing}"


def test_docs_links_resolve_and_nothing_points_outside() -> None:
    for doc in (REPO / "README.md", REPO / "docs" / "architecture.md",
                REPO / "docs" / "operations.md"):
        text = doc.read_text()
        assert "DESIGN.md" not in text and "/work/shared" not in text, doc
        for target in re.findall(r"\]\(([^)#:]+)\)", text):
            assert (doc.parent / target).exists(), (doc.name, target)
