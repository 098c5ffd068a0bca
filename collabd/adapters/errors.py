"""Driver errors into the port's: an adapter's Store methods raise StoreUnavailable or
StoreConflict (collabd.ports), so nothing above the adapters imports sqlite3 or psycopg."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from ..ports import Store, StoreConflict, StoreError, StoreUnavailable

C = TypeVar("C", bound=type)
Errors = tuple[type[BaseException], ...]

# the methods of the port, the ones callers above the adapters use
STORE_METHODS = frozenset(
    name for name, value in vars(Store).items() if callable(value) and not name.startswith("_"))


def translated(error: BaseException, unavailable: Errors, conflict: Errors) -> BaseException:
    """The port's error for a driver's error (the driver's stays the cause), or the error
    itself when it is neither an outage nor a conflict (a bug: let it be seen as one)."""
    if isinstance(error, StoreError):
        return error
    if isinstance(error, conflict):
        new: StoreError = StoreConflict(f"{type(error).__name__}: {error}")
    elif isinstance(error, unavailable):
        new = StoreUnavailable(f"{type(error).__name__}: {error}")
    else:
        return error
    new.__cause__ = error
    return new


def translating(unavailable: Errors, conflict: Errors,
                inline: frozenset[str] = frozenset()) -> Callable[[C], C]:
    """A class decorator: every Store method of the adapter (but those in `inline`, which
    translate in their own body, being on the per-update path) raises the port's errors."""

    def wrap(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except (*unavailable, *conflict) as exc:
                raise translated(exc, unavailable, conflict) from exc

        return call

    def decorate(cls: C) -> C:
        for name in STORE_METHODS - inline:
            # the nearest definition, the class's own or a part's it inherits (sqlite_docs...)
            method = next((k.__dict__[name] for k in cls.__mro__ if name in k.__dict__), None)
            if callable(method):
                setattr(cls, name, wrap(method))
        return cls

    return decorate
