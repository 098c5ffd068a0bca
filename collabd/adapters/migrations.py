"""Versioned schema migrations, shared by the store adapters.

A store records its schema version in a one-row table `schema_version`. Each adapter lists its
migrations as ordered steps (version 1, 2, ...); on start it applies, each in its own
transaction together with the new version number, the steps above the stored version. A store
from before versioning has no such table: its version is 0 and every step runs, so each step
must also be safe on a store that already has what it creates (CREATE ... IF NOT EXISTS,
columns added only when missing). A store newer than the code is refused, never touched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..ports import StoreError


@dataclass(frozen=True)
class Step:
    version: int
    what: str
    apply: Callable[[Any], None]  # called with the adapter's connection, inside a transaction


def pending(steps: Sequence[Step], current: int) -> list[Step]:
    """The steps to apply to a store at `current`, in order."""
    versions = [s.version for s in steps]
    if versions != list(range(1, len(steps) + 1)):
        raise ValueError(f"migration steps must be numbered 1..n in order, got {versions}")
    if current > len(steps):
        raise StoreError(f"the store's schema is version {current}, newer than this collabd "
                         f"knows (version {len(steps)}): upgrade collabd")
    return list(steps[current:])


def latest(steps: Sequence[Step]) -> int:
    return len(steps)


def upgrade(db: Any, steps: Sequence[Step], param: str) -> int:
    """Inside the caller's transaction: apply the steps above the store's version and record
    the new one; `param` is the driver's placeholder ("?" or "%s"). Returns the version."""
    db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = db.execute("SELECT version FROM schema_version").fetchone()
    todo = pending(steps, int(row[0]) if row else 0)
    for step in todo:
        step.apply(db)
    if todo:
        db.execute("DELETE FROM schema_version")
        db.execute(f"INSERT INTO schema_version (version) VALUES ({param})", (latest(steps),))
    return latest(steps)
