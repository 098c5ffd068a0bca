"""The pytest plugin of scripts/check.sh, the fast developer check.

- A test that opens a network socket (a server, a client of one, redis, PostgreSQL, a browser's
  DevTools) fails, saying it is not a pure test. Local sockets (AF_UNIX, socketpair: asyncio's
  own) stay allowed.
- Property tests try at most EXAMPLES examples each instead of their hundreds: the same
  properties, a quicker sample; scripts/test.sh runs the full counts.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest
from hypothesis import settings

NETWORK = (socket.AF_INET, socket.AF_INET6)
EXAMPLES = 20


class NotAPureTest(RuntimeError):
    pass


def _refuse(method: str) -> Any:
    original = getattr(socket.socket, method)

    def guarded(self: socket.socket, *args: Any) -> Any:
        if self.family in NETWORK:
            raise NotAPureTest(
                f"socket.{method} in scripts/check.sh: this test needs the network or a "
                "service, so it is not a pure test (take it out of check.sh's list)")
        return original(self, *args)

    return guarded


def pytest_configure(config: pytest.Config) -> None:
    for method in ("bind", "connect", "connect_ex"):
        setattr(socket.socket, method, _refuse(method))


def _fewer(current: settings) -> settings:
    return settings(current, max_examples=min(current.max_examples, EXAMPLES))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        test = getattr(item, "obj", None)
        # where @settings keeps a @given test's settings (explicit counts beat any profile)
        chosen = getattr(test, "_hypothesis_internal_use_settings", None)
        if isinstance(chosen, settings):
            test._hypothesis_internal_use_settings = _fewer(chosen)  # type: ignore[union-attr]
        machine = getattr(item, "cls", None)  # a RuleBasedStateMachine's TestCase
        if machine is not None and isinstance(getattr(machine, "settings", None), settings):
            machine.settings = _fewer(machine.settings)
