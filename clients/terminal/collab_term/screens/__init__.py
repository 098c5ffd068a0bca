"""The modal screens (one per module) and how the widgets open them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual.app import App
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button

T = TypeVar("T")


def open_dialog(app: App[Any], screen: Screen[T], done: Callable[[T | None], None]) -> None:
    """Show `screen`; when it closes, put the focus back where the user was, then call `done`
    with its result."""
    focused = app.screen.focused

    def closed(result: T | None) -> None:
        restore_focus(app, focused)
        done(result)

    app.push_screen(screen, closed)


def restore_focus(app: App[Any], widget: Widget | None) -> None:
    """Back to `widget`, unless it is gone or a button (which Enter would press again): then
    the editor, or the chat input while the editor cannot take the focus."""
    target = widget
    if target is None or not target.is_attached or not target.focusable or isinstance(
            target, Button):
        area = app.query_one("#editor")
        target = area if area.focusable else app.query_one("#chat-input")
    app.screen.set_focus(target)
