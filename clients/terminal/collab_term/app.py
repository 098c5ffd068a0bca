"""collab-term: pair-program in a collabd room from the terminal (Textual).

    collab-term JOIN_URL                      # the link from the session API / practice page
    collab-term TOKEN --server http://h:p     # or a bare token
    collab-term --practice http://h:p         # start a practice interview, print the partner link
    collab-term --file solution.py JOIN_URL   # also mirror the code into a file (your editor)
    collab-term --file solution.py --headless JOIN_URL   # only the file mirror, no UI

The screen: the shared editor (syntax highlighting for the room's language, the other side's
cursor in their colour with their pseudonym), a side bar with the participants, phase, time
left and connection state, and the chat. When the interview ends the review pane shows the
role's feedback form, then the reveal and the unmask question.

Keys: ctrl+t chat, f8 (or ctrl+end) end of the code, ctrl+home start of the code, f2
editor/review, f4 end the interview (interviewer only, while it runs; the dialog starts on
"Keep going"), f9 copy the partner's link (--practice), f6 set the question (interviewer),
f7 your private notes, f3 the whole output of the latest run, ctrl+z/ctrl+y undo and redo your
own typing, ctrl+q quit. Below 100 columns the side bar moves under the editor.

Runs are shown, never executed (widgets/chat_pane.py); the question is Markdown rendered
safely (widgets/question.py); the notes pad (f7) is yours alone; the whiteboard needs a browser
(widgets/board.py); what the other side does in a browser shows as it happens
(widgets/activity.py); undo is the shared document's, your own typing only
(widgets/editor_pane.py).

The code, in Textual's shape: this module is the App: the layout, the keys and the wiring. The
SDK's callbacks only post Textual messages (room_events.py); the app hands each to the widgets
that watch it (widgets/, one module each), which read what they show into reactive fields and
redraw only themselves, and make the requests that belong to them (the chat pane posts, the
review pane sends the form). The modal screens are in screens/; text.py turns what the room
sends into what is shown; roomstate.py says what the user may do.

The command line lives in collab_term.cli (it works without Textual installed, to say how to
install it); run the app with `collab-term` or `python -m collab_term`.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

from pycrdt import UndoManager
from rich.markup import escape
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import ContentSwitcher, Footer, Input

from collab_client import Client, SdkError, TextBinding
from collab_protocol import INTERVIEW_PHASES

from .filemirror import FileMirror
from .room_events import RUNS, SESSION_VIEW, ClientStatus, RoomMessage, RoomView, log_line
from .roomstate import can_end, can_set_question
from .screens import open_dialog
from .screens.confirm_end import CONFIRM_END_TEXT
from .screens.output_view import OutputView
from .screens.text_dialog import TextDialog
from .text import format_left, question_markdown, shown_safely, textual_language
from .widgets.activity import PartnerActivity
from .widgets.board import BoardStatus
from .widgets.chat_log import ChatLog  # re-exported
from .widgets.chat_pane import ChatPane
from .widgets.code_area import CodeArea
from .widgets.editor_pane import EditorPane
from .widgets.end import EndButton
from .widgets.people import InviteBanner, PeopleList
from .widgets.question import QuestionPanel
from .widgets.review import ReviewPane
from .widgets.status import StatusBar

__all__ = [  # what the tests and embedders import from here
    "CONFIRM_END_TEXT", "ChatLog", "CodeArea", "CollabTerm", "format_left",
    "question_markdown", "shown_safely", "textual_language",
]

NARROW = 100  # columns below which the side bar goes under the editor


class CollabTerm(App[int]):
    TITLE = "collab-term"
    CSS = """
    #main { height: 1fr; }
    #left { width: 2fr; }
    #editor { height: 1fr; }
    #side { width: 42; border-left: solid $primary-darken-2; }
    #end { width: 100%; }
    .narrow #status { height: auto; }
    .narrow #main { layout: vertical; }
    .narrow #left { width: 100%; height: 1fr; }
    .narrow #side { width: 100%; height: 1fr; border-left: none;
                    border-top: solid $primary-darken-2; }
    .narrow #question { max-height: 4; }
    .narrow #end { height: 1; border: none; }
    .hidden { display: none; }
    """
    BINDINGS = [
        # priority: checked before the focused editor sees the key, so keys typed right after
        # (say "ctrl+t hello") are not overtaken while the binding bubbles up
        Binding("ctrl+t", "focus_chat", "Chat", priority=True),
        Binding("f4", "end_interview", "End interview", priority=True),
        Binding("f2", "toggle_view", "Editor/Review", priority=True),
        Binding("f8", "go_end", "End of code", priority=True),
        Binding("f9", "copy_invite", "Copy partner link", priority=True),
        Binding("f6", "edit_question", "Question", priority=True),
        Binding("f7", "edit_notes", "My notes", priority=True),
        Binding("f3", "show_output", "Run output", priority=True),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        link: str,
        *,
        server: str | None = None,
        file: str | None = None,
        client_name: str = "collab-term",
        invite: str = "",
    ) -> None:
        super().__init__()
        self.link = link
        self.server = server
        self.file = file
        self.client_name = client_name
        self.invite = invite  # --practice: the interviewee's join link, shown in full
        self.client: Client | None = None
        self.mirror: FileMirror | None = None
        self.error: str | None = None
        self._unsubscribe: list[Any] = []
        self.views: list[RoomView] = []  # the widgets that show the room, once joined
        self.status = StatusBar(file, id="status")
        self.editor_pane = EditorPane(id="editor-pane")
        self.chat = ChatPane(id="chat")
        self.activity = PartnerActivity("", id="activity", classes="hidden")

    @property
    def binding(self) -> TextBinding | None:
        return self.editor_pane.binding

    @property
    def undo_manager(self) -> UndoManager | None:
        return self.editor_pane.undo_manager

    @property
    def calls_declined(self) -> list[str]:
        """Who tried to call us (pseudonyms)."""
        return self.activity.calls_declined

    # -- layout

    def compose(self) -> ComposeResult:
        yield self.status
        if self.invite:
            yield InviteBanner(self.invite, id="invite")
        with Horizontal(id="main"):
            with ContentSwitcher(initial="editor-pane", id="left"):
                yield self.editor_pane
                yield ReviewPane(id="review-pane")
            with Vertical(id="side"):
                yield QuestionPanel(id="question")
                yield PeopleList(id="people")
                yield self.activity
                yield BoardStatus(id="board", classes="hidden")
                yield EndButton(id="end")
                yield self.chat
        yield Footer()

    def on_mount(self) -> None:
        self.fit_layout()
        self.connect()

    @on(events.Resize)
    def resized(self, event: events.Resize) -> None:
        self.fit_layout(event.size.width)

    def fit_layout(self, width: int | None = None) -> None:
        """A narrow terminal stacks the side bar under the editor (the editor keeps the full
        width) instead of squeezing the editor beside a fixed-width side bar."""
        narrow = (self.size.width if width is None else width) < NARROW
        self.set_class(narrow, "narrow")
        self.screen.set_class(narrow, "narrow")

    # -- joining and leaving

    @work(exclusive=True, group="connect")
    async def connect(self) -> None:
        try:
            client = await Client.connect(
                self.link, server=self.server, client_name=self.client_name
            )
        except (SdkError, ValueError, TimeoutError) as exc:
            # nothing to show without a room: leave at once (the command line prints the error)
            self.error = f"cannot join: {exc}"
            self.status.error = self.error
            self.exit(2, return_code=2)
            return
        self.client = client
        await client.wait_synced(timeout=30)
        self.editor_pane.attach(client, self.say)
        self.editor_pane.area.focus()
        assert self.binding is not None
        self._unsubscribe = [
            client.before_remote_update(self.binding.flush),
            client.on_message(lambda msg: self.post_message(RoomMessage(msg))),
            client.on_status(lambda kind: self.post_message(ClientStatus(kind))),
        ]
        self.views = [w for w in self.query("*") if isinstance(w, RoomView)]
        for view in self.views:
            if view is not self.editor_pane:
                view.attach(client, self.say)
        self.refresh_bindings()
        if self.file:
            self.mirror = FileMirror(client, self.file)
            self.mirror.start()
            self.notify(f"mirroring the code into {self.file}")
        self.editor_pane.area.focus()

    async def on_unmount(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self.editor_pane.close()
        if self.mirror is not None:
            await self.mirror.stop()
        if self.client is not None:
            await self.client.close()

    # -- what the room says, to the widgets that show it

    def on_room_message(self, event: RoomMessage) -> None:
        msg = event.msg
        with contextlib.suppress(NoMatches):  # the app may be shutting down
            for view in self.views:
                if isinstance(msg, view.WATCHES):
                    view.room_message(msg)
            if isinstance(msg, SESSION_VIEW + RUNS):
                self.refresh_bindings()  # f4 and f6 follow the session; f3 needs a run

    def on_client_status(self, event: ClientStatus) -> None:
        with contextlib.suppress(NoMatches):
            for view in self.views:
                if event.kind in view.STATUS:
                    view.room_status(event.kind)

    def say(self, icon: str, text: str) -> None:
        """A room notice in the log."""
        self.chat.chat_log.add(log_line(icon, text))

    def on_editor_pane_language_shown(self, event: EditorPane.LanguageShown) -> None:
        self.status.language = escape(event.label)

    def on_review_pane_rebuilt(self, event: ReviewPane.Rebuilt) -> None:
        # the pane's own switcher: a dialog may be the screen on top
        switcher = event.pane.parent
        if (self.client is not None and self.client.phase not in INTERVIEW_PHASES
                and isinstance(switcher, ContentSwitcher)):
            switcher.current = "review-pane"

    # -- keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide keys that do nothing for this user from the footer."""
        if action == "end_interview":
            return can_end(self.client)
        if action == "edit_question":
            return can_set_question(self.client)
        if action == "copy_invite":
            return bool(self.invite)
        if action == "show_output":
            return self.client is not None and bool(self.client.runs)
        return True

    def action_go_end(self) -> None:
        self.query_one("#left", ContentSwitcher).current = "editor-pane"
        area = self.editor_pane.area
        self.screen.set_focus(area)
        area.action_go_end()

    def action_copy_invite(self) -> None:
        if self.invite:
            self.copy_to_clipboard(self.invite)  # OSC 52: most terminals put it on the clipboard
            self.notify("partner link copied (it is also printed when collab-term exits)")

    def action_focus_chat(self) -> None:
        # set_focus at once (focus() is deferred): keys typed right after ctrl+t go to the chat
        self.screen.set_focus(self.query_one("#chat-input", Input))

    def action_toggle_view(self) -> None:
        switcher = self.query_one("#left", ContentSwitcher)
        switcher.current = "review-pane" if switcher.current == "editor-pane" else "editor-pane"

    def action_end_interview(self) -> None:
        self.query_one(EndButton).ask()

    def action_edit_question(self) -> None:
        self.query_one(QuestionPanel).edit()

    def action_show_output(self) -> None:
        view = OutputView.of_latest(self.client.runs if self.client is not None else [])
        if view is None:
            self.notify("no run yet", severity="warning")
            return
        open_dialog(self, view, lambda _: None)

    def action_edit_notes(self) -> None:
        """The private notes pad: only this user's own connections ever receive it."""
        client = self.client
        if client is None:
            return
        current = client.notes.text if client.notes is not None else ""

        def done(text: str | None) -> None:
            if text is not None:
                self.save_notes(text)

        open_dialog(self, TextDialog("My private notes (only you ever see them)", current,
                                     "notes-dialog"), done)

    @work(group="requests")
    async def save_notes(self, text: str) -> None:
        assert self.client is not None
        try:
            await self.client.save_notes(text)
            self.notify("notes saved")
        except (SdkError, TimeoutError) as exc:
            self.notify(f"notes not saved: {exc}", severity="error")


# `collab-term` runs collab_term.cli.main, which imports this module only once it knows Textual is
# there; `python -m collab_term.app` still works.
if __name__ == "__main__":
    from .cli import main

    sys.exit(main())
