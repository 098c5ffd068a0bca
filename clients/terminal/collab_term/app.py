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

Runs: every run a participant reports (from the browser's Run button) is shown in the chat
column with its output. collab-term only shows them: it never executes anyone's code, least of
all the other person's, on your machine. The question is rendered as Markdown (Rich's, in one
widget: Textual's Markdown widget makes a widget per block and took seconds per hundred list
items, a way for a hostile question to freeze the screen). Control characters are shown as
symbols first, so nothing in it can act on the terminal; links are shown, never opened; a
question over QUESTION_MARKDOWN_LINES lines is shown as written. The notes pad is yours alone
(the server sends it to your own connections only). The whiteboard needs a browser: the side
bar says when there is one and how to see it, and the log when either side clears or restores
it. What the other side does in a browser shows as it happens (activity.py): "X is running the
code…" with the output so far in print order, and their mute state while they are in a call.

The code, in Textual's shape: this module is the App (layout, keys, requests). The SDK's
callbacks only post Textual messages (room_events.py); their handlers update what a message
concerns, and the widgets hold their own state: the editor (editor.py), the side bar's people,
question and typing line (sidebar.py), the partner's live run and call (activity.py), the log
(chatlog.py), the review pane and its feedback form (review.py) and the dialogs (dialogs.py);
text.py turns what the room sends into what is shown.

The command line lives in collab_term.cli (it works without Textual installed, to say how to
install it); run the app with `collab-term` or `python -m collab_term`.

Undo is the shared document's: a Yjs-style undo manager tracks only this client's own
transactions, so ctrl+z undoes your typing (wherever the partner's edits moved it) and never the
partner's, and a partner's keystroke no longer throws your history away.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from typing import Any

from pycrdt import Map, UndoManager
from rich.text import Text as RichText
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.widgets import (
    Button,
    ContentSwitcher,
    Footer,
    Input,
    Static,
    TextArea,
)

from collab_client import Client, SdkError, TextBinding
from collab_client.positions import cp_from_utf16, utf16_from_cp
from collab_protocol import (
    INTERVIEW_PHASES,
    Ack,
    ChatHistory,
    ChatMsg,
    ChatTyping,
    CollabMessage,
    Error,
    IceServers,
    Notes,
    Phase,
    Question,
    RunHistory,
    RunMsg,
    Signal,
    Timeline,
)

from .activity import PartnerActivity, activity_of, board_notice
from .chatlog import ChatLog
from .dialogs import CONFIRM_END_TEXT, ConfirmEnd, OutputView, TextDialog
from .editor import CodeArea, TextAreaEditor, UndoRequest, document
from .filemirror import FileMirror
from .review import FeedbackForm, ReviewPane, review_plan
from .room_events import ClientStatus, RoomMessage
from .sidebar import PeopleList, QuestionText, TypingLine
from .text import (
    deadline_text,
    format_left,
    question_markdown,
    run_output,
    shown_safely,
    textual_language,
)

__all__ = [  # what the tests and embedders import from here
    "CONFIRM_END_TEXT", "ChatLog", "CodeArea", "CollabTerm", "format_left",
    "question_markdown", "shown_safely", "textual_language",
]

DEFAULT_LANGUAGE = "python"  # the web client's DEFAULT_LANGUAGE (clients/web/src/editor.js)
NARROW = 100  # columns below which the side bar goes under the editor
LOCAL_ORIGIN = "collab-term"  # origin of our own edits: the undo manager tracks only these

CALL_DECLINED = "unsupported"  # hangup reason: this client cannot take voice calls


# ---------------------------------------------------------------- the app


class CollabTerm(App[int]):
    TITLE = "collab-term"
    CSS = """
    #status { height: 1; background: $boost; padding: 0 1; }
    #main { height: 1fr; }
    #left { width: 2fr; }
    #editor { height: 1fr; }
    #cursors { height: 1; padding: 0 1; }
    #side { width: 42; border-left: solid $primary-darken-2; }
    #people { height: auto; padding: 0 1; }
    #question { height: auto; max-height: 12; padding: 0 1;
                border-bottom: solid $primary-darken-2; }
    #question-text { height: auto; }
    #question-title { height: 1; text-style: bold; }
    #board { height: auto; padding: 0 1; color: $text-muted; }
    #activity { height: auto; max-height: 12; padding: 0 1; }
    .narrow #status { height: auto; }
    .narrow #main { layout: vertical; }
    .narrow #left { width: 100%; height: 1fr; }
    .narrow #side { width: 100%; height: 1fr; border-left: none;
                    border-top: solid $primary-darken-2; }
    .narrow #question { max-height: 4; }
    .narrow #end { height: 1; border: none; }
    OutputView { align: center middle; }
    OutputView .text-dialog { height: 90%; }
    .text-dialog { width: 80; max-width: 100%; height: 24; border: thick $primary; padding: 1 2;
                   background: $surface; }
    .text-dialog TextArea { height: 1fr; }
    .text-dialog Horizontal { height: auto; }
    TextDialog { align: center middle; }
    #end { width: 100%; }
    #chat-log { height: 1fr; padding: 0 1; }
    .chat-line { width: 100%; }
    #invite { height: auto; background: $boost; padding: 0 1; }
    #review-deadline { height: auto; text-style: bold; color: $warning; }
    #typing { height: 1; color: $text-muted; padding: 0 1; }
    #review-pane { padding: 1 2; }
    #review { height: auto; }
    .question { margin-top: 1; }
    RadioSet { layout: horizontal; height: auto; }
    #confirm { width: 64; max-width: 100%; height: auto; border: thick $error; padding: 1 2;
               background: $surface; }
    #confirm-text { width: 100%; height: auto; margin-bottom: 1; }
    ConfirmEnd { align: center middle; }
    #unmask-buttons, #confirm Horizontal { height: auto; }
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
        self.calls_declined: list[str] = []  # who tried to call us (pseudonyms)
        self.client: Client | None = None
        self.binding: TextBinding | None = None
        self.mirror: FileMirror | None = None
        self._cursor_timer: Any = None
        self._typing_until = 0.0
        self.error: str | None = None
        self._unsubscribe: list[Any] = []
        self._cursors_pending = False
        self._phase: str | None = None  # the last phase seen, to tell the log what changed
        self._ending = False  # we asked to end the interview
        self._board_count = 0
        self.board: Map[Any] | None = None  # the whiteboard's elements (shown only as a count)
        self._board_sub: Any = None
        self.board_meta: Map[Any] | None = None  # the last clear (restorable) and restore
        self._board_meta_sub: Any = None
        self._live_ends_at: int | None = None  # the interview's end, while it runs
        self.undo_manager: UndoManager | None = None

    # -- layout

    def compose(self) -> ComposeResult:
        yield Static("connecting…", id="status")
        if self.invite:
            yield Static(
                RichText.assemble(
                    ("Send the interviewee this link (f9 copies it): ", "bold"),
                    (self.invite, "underline"),
                    overflow="fold",
                ),
                id="invite",
            )
        with Horizontal(id="main"):
            with ContentSwitcher(initial="editor-pane", id="left"):
                with Vertical(id="editor-pane"):
                    yield CodeArea(
                        id="editor",
                        soft_wrap=False,
                        show_line_numbers=True,
                        tab_behavior="indent",
                        read_only=True,
                    )
                    yield Static("", id="cursors")
                yield ReviewPane(id="review-pane")
            with Vertical(id="side"):
                with VerticalScroll(id="question"):
                    yield Static("Question", id="question-title")
                    yield QuestionText(id="question-text")
                yield PeopleList(id="people")
                yield PartnerActivity("", id="activity", classes="hidden")
                yield Static("", id="board", classes="hidden")
                yield Button("End interview", id="end", variant="error", classes="hidden")
                yield ChatLog(id="chat-log")
                yield TypingLine(id="typing")
                yield Input(
                    placeholder="Message… (Enter to send)", id="chat-input", max_length=2000
                )
        yield Footer()

    def on_mount(self) -> None:
        area = self.query_one("#editor", CodeArea)
        area.theme = "monokai"
        self.set_interval(1.0, self.refresh_status)
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

    @work(exclusive=True, group="connect")
    async def connect(self) -> None:
        try:
            client = await Client.connect(
                self.link, server=self.server, client_name=self.client_name
            )
        except (SdkError, ValueError, TimeoutError) as exc:
            # nothing to show without a room: leave at once (the command line prints the error)
            self.error = f"cannot join: {exc}"
            self.query_one("#status", Static).update(f"[b red]{self.error}[/]")
            self.exit(2, return_code=2)
            return
        self.client = client
        await client.wait_synced(timeout=30)
        area = self.query_one("#editor", CodeArea)
        self.binding = TextBinding(
            client.doc, client.text, TextAreaEditor(area), on_remote=self._after_remote_edit,
            origin=LOCAL_ORIGIN,
        )
        area.history.clear()
        # undo tracks our own transactions only (the binding's); capture_timeout groups a burst
        # of typing into one step, as editors do
        self.undo_manager = UndoManager(scopes=[client.text], capture_timeout_millis=500)
        self.undo_manager.include_origin(LOCAL_ORIGIN)
        area.undo_manager = self.undo_manager
        self.place_initial_caret()
        area.focus()
        self._unsubscribe = [
            client.before_remote_update(self.binding.flush),
            client.on_message(self.sdk_message),
            client.on_status(self.sdk_status),
        ]
        client.meta.observe(self._meta_changed)
        self.board = client.doc.get("board", type=Map)  # kept: its observer lives with it
        self._board_sub = self.board.observe(self._board_changed)
        self.board_meta = client.doc.get("boardMeta", type=Map)
        self._board_meta_sub = self.board_meta.observe(self._board_meta_changed)
        self.refresh_activity()
        self.refresh_board()
        self.ensure_language()
        self.apply_language()
        self.refresh_everything()
        if self.file:
            self.mirror = FileMirror(client, self.file)
            self.mirror.start()
            self.notify(f"mirroring the code into {self.file}")
        area.focus()

    async def on_unmount(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        if self.binding is not None:
            self.binding.close()
        if self.mirror is not None:
            await self.mirror.stop()
        if self.client is not None:
            await self.client.close()

    # -- editor

    @on(TextArea.Changed, "#editor")
    def editor_changed(self) -> None:
        if self.binding is not None:
            self.binding.flush()
            self.schedule_cursor()

    @on(TextArea.SelectionChanged, "#editor")
    def selection_changed(self) -> None:
        self.schedule_cursor()

    def schedule_cursor(self) -> None:
        if self._cursor_timer is not None:
            self._cursor_timer.stop()
        self._cursor_timer = self.set_timer(0.05, self.publish_cursor)

    def publish_cursor(self) -> None:
        client, binding = self.client, self.binding
        if client is None or binding is None or not client.connected:
            return
        binding.flush()
        anchor, head = binding.editor.get_selection()
        text = binding.mirror
        try:
            client.set_cursor(utf16_from_cp(text, anchor), utf16_from_cp(text, head))
        except ValueError:
            pass

    def _after_remote_edit(self, _edits: Any) -> None:
        area = self.query_one("#editor", CodeArea)
        area.history.clear()  # TextArea's own history is not used: undo is the document's
        self.schedule_cursors()

    @on(UndoRequest)
    def undo_request(self, event: UndoRequest) -> None:
        manager, binding = self.undo_manager, self.binding
        if manager is None or binding is None:
            return
        binding.flush()
        # the change comes back through the binding's observer like a remote edit
        (manager.redo if event.redo else manager.undo)()
        self.schedule_cursor()

    def schedule_cursors(self) -> None:
        """Redraw remote cursors soon: resolving them reads the doc, which cannot happen inside
        the doc's own change callbacks (pycrdt: "Already in a transaction")."""
        if not self._cursors_pending:
            self._cursors_pending = True
            self.call_later(self.refresh_cursors)

    def ensure_language(self) -> None:
        """Write the default language into the shared `meta` when nobody has set one, so this
        client and the browser (which falls back to the same default) agree on what it is."""
        client = self.client
        if client is None or client.meta.get("language"):
            return
        session = client.session
        role = (client.you or {}).get("role")
        if role == "guest" or session is None or session.read_only or not client.synced:
            return  # we may not write (yet); the browser shows its default anyway
        client.meta["language"] = DEFAULT_LANGUAGE

    def place_initial_caret(self) -> None:
        """Start where the other person's cursor is, or else at the end of the code."""
        client, area = self.client, self.query_one("#editor", CodeArea)
        target = len(area.text)
        if client is not None:
            for cur in client.remote_cursors():
                if cur["head"] is not None:
                    with contextlib.suppress(ValueError):
                        target = cp_from_utf16(area.text, cur["head"])
                        break
        area.move_cursor(document(area).get_location_from_index(target))
        area.scroll_cursor_visible()

    def apply_language(self) -> None:
        if self.client is None:
            return
        area = self.query_one("#editor", CodeArea)
        language = textual_language(self.client.meta.get("language"), set(area.available_languages))
        if language != area.language:
            # TextArea rebuilds its document on a language change and resets the caret: keep it
            selection, scroll = area.selection, area.scroll_offset
            area.language = language
            area.selection = selection
            area.scroll_to(scroll.x, scroll.y, animate=False)
        self.refresh_status()

    def refresh_cursors(self) -> None:
        self._cursors_pending = False
        client = self.client
        if client is None:
            return
        area = self.query_one("#editor", CodeArea)
        text = self.binding.mirror if self.binding else client.code
        marks = []
        labels = []
        for cur in client.remote_cursors():
            if cur["head"] is None:
                continue
            try:
                cp = cp_from_utf16(text, cur["head"])
                row, col = document(area).get_location_from_index(cp)
            except ValueError:
                continue
            marks.append((row, col, cur["color"], cur["name"]))
            labels.append(f"[{cur['color']}]▍{cur['name']}[/] {row + 1}:{col + 1}")
        area.remote_marks = marks
        area.refresh()
        self.query_one("#cursors", Static).update("  ".join(labels))

    # -- client events

    # The SDK's callbacks only post Textual messages; the handlers below update what the
    # message concerns.

    def sdk_status(self, kind: str) -> None:
        self.post_message(ClientStatus(kind))

    def sdk_message(self, msg: CollabMessage) -> None:
        self.post_message(RoomMessage(msg))

    def on_client_status(self, event: ClientStatus) -> None:
        with contextlib.suppress(NoMatches):  # the app may be shutting down
            if event.kind in ("awareness", "doc"):
                self.schedule_cursors()
            if event.kind == "awareness":
                self.refresh_activity()
                if self.client is not None and self.client.session is None:
                    self.refresh_people()  # a plain room lists who is here from awareness
            if event.kind in ("connected", "disconnected", "stopped", "closed"):
                self.refresh_status()

    def on_room_message(self, event: RoomMessage) -> None:
        msg = event.msg
        with contextlib.suppress(NoMatches):  # the app may be shutting down
            if isinstance(msg, Signal):
                self.on_signal(msg)
            elif isinstance(msg, ChatMsg | ChatHistory | RunMsg | RunHistory):
                self.refresh_chat()
                self.refresh_bindings()  # f3 is offered once there is a run
            elif isinstance(msg, ChatTyping):
                self.refresh_typing()
            elif isinstance(msg, Question):
                self.refresh_question()
            elif isinstance(msg, IceServers):
                self.refresh_status()  # the call's voice masking policy
            elif isinstance(msg, Notes | Ack | Error | Timeline):
                pass  # kept by the client for whoever asked; nothing on screen changes
            else:  # welcome, session state, feedback and unmask: the session's view
                self.refresh_everything()

    def on_signal(self, msg: Signal) -> None:
        """Voice calls need a browser: decline an incoming call at once with a `hangup` whose
        reason says why (the caller's client stops ringing), and tell the user who called."""
        caller = msg.from_ or {}
        if msg.kind != "offer" or self.client is None:
            return
        with contextlib.suppress(Exception):  # not connected: the caller times out instead
            self.client.send_signal(
                "hangup", {"reason": CALL_DECLINED}, to=str(caller.get("id", ""))
            )
        name = str(caller.get("name", "The other participant"))
        self.calls_declined.append(name)
        masked = " (voice masked)" if msg.masked else ""
        note = (
            f"{name} is calling you{masked}. collab-term cannot take voice calls, so the call "
            "was declined; open the join link in a browser to talk."
        )
        self.notify(note, title="Incoming call", severity="warning", timeout=15)
        self.bell()
        line = RichText("📞 ", style="bold")
        line.append(note, style="italic")
        self.query_one("#chat-log", ChatLog).add(line)

    def refresh_everything(self) -> None:
        if self.binding is not None:
            self.ensure_language()  # the session may arrive after the sync
        self.note_phase()
        self.refresh_status()
        self.refresh_people()
        self.refresh_chat()
        self.refresh_typing()
        self.refresh_question()
        self.refresh_review()
        self.refresh_editable()

    def note_phase(self) -> None:
        """Say in the log when the interview ends (and whether we ended it), once."""
        client = self.client
        phase = client.session.phase if client is not None and client.session else None
        before, self._phase = self._phase, phase
        if before not in INTERVIEW_PHASES or phase is None or phase in INTERVIEW_PHASES:
            return
        if self._ending:
            text = "You ended the interview."
        elif phase == Phase.SEALED and before == Phase.LOBBY:
            text = "The interview was ended before you both joined."
        else:
            text = ("The interview has ended (not by you): the code is read-only now."
                    if not self.time_was_up() else "Time is up: the interview has ended.")
        if phase == Phase.FEEDBACK:
            text += " Feedback is open: f2 shows the form."
        line = RichText("■ ", style="bold")
        line.append(text, style="italic")
        self.query_one("#chat-log", ChatLog).add(line)
        self.refresh_bindings()

    def time_was_up(self) -> bool:
        ends = self._live_ends_at
        return ends is not None and time.time() * 1000 >= ends - 1500

    def my_name(self) -> str:
        return str(((self.client.you or {}) if self.client else {}).get("name", ""))

    def refresh_activity(self) -> None:
        if self.client is not None:
            self.query_one(PartnerActivity).activity = activity_of(self.client.awareness,
                                                                   self.my_name())

    def _meta_changed(self, _event: object) -> None:
        self.call_later(self.apply_language)

    def _board_changed(self, _event: object) -> None:
        self.call_later(self.refresh_board)

    def _board_meta_changed(self, event: Any) -> None:
        """A whiteboard clear or restore (made in a browser): said in the log. Runs inside the
        document's transaction, so it only reads the event and leaves the rest for later."""
        notices = [board_notice(key, change, self.my_name()) for key, change in event.keys.items()]

        def show() -> None:
            with contextlib.suppress(NoMatches):
                for notice in notices:
                    if notice:
                        line = RichText("🖌 ", style="bold")
                        line.append(notice, style="italic")
                        self.query_one("#chat-log", ChatLog).add(line)
                self.refresh_board()

        self.call_later(show)

    def refresh_board(self) -> None:
        """The whiteboard needs a browser: say that there is one (or that it was cleared and
        can be restored), and how to see it."""
        if self.board is None:
            return
        with contextlib.suppress(NoMatches):
            count = len(self.board)
            cleared = self.board_meta.get("cleared") if self.board_meta is not None else None
            restorable = (len(cleared.get("items") or []) if isinstance(cleared, dict)
                          and isinstance(cleared.get("items"), list) else 0)
            board = self.query_one("#board", Static)
            board.set_class(count == 0 and not restorable, "hidden")
            if count or not restorable:
                board.update(
                    f"🖌 Whiteboard: {count} shape{'' if count == 1 else 's'}. collab-term cannot "
                    "draw it: open your join link in a browser to see it."
                )
            else:
                board.update(
                    f"🖌 Whiteboard cleared ({restorable} element"
                    f"{'' if restorable == 1 else 's'}): open your join link in a browser to "
                    "restore it."
                )
            if count and not self._board_count:
                line = RichText("🖌 ", style="bold")
                line.append("There is a whiteboard in this room (open your join link in a "
                            "browser to see it).", style="italic")
                self.query_one("#chat-log", ChatLog).add(line)
            self._board_count = self._board_count or count  # announced once

    def refresh_editable(self) -> None:
        client = self.client
        if client is None:
            return
        session = client.session
        role = (client.you or {}).get("role")
        read_only = role == "guest" or (session is not None and session.read_only)
        self.query_one("#editor", CodeArea).read_only = read_only

    def refresh_status(self) -> None:
        try:
            status = self.query_one("#status", Static)
        except NoMatches:  # the 1 s timer can fire while the app is shutting down
            return
        client = self.client
        if client is None:
            if self.error is None:
                status.update("connecting…")
            return
        you = client.you or {}
        if client.connected and client.synced and self.binding is not None:
            conn = "[green]● connected[/]"
        elif client.closed_reason is not None and client.closed_reason not in ("closed",):
            conn = f"[red]✕ {client.closed_reason}[/]"
        else:
            conn = "[yellow]○ reconnecting…[/]"
        parts = [f"[b]{you.get('name', '?')}[/] ({you.get('role', '?')})"]
        deadline = ""
        if client.session is not None:
            if client.session.phase in INTERVIEW_PHASES:
                self._live_ends_at = client.session.ends_at
            parts.append(f"phase: [b]{client.session.phase}[/]")
            deadline = deadline_text(client.session.phase, self.deadline_ms())
            if deadline:
                parts.append(deadline)
        area = self.query_one("#editor", CodeArea)
        lang = client.meta.get("language") or "plain"
        parts.append(f"{lang}" + ("" if area.language or lang == "plain" else " (no highlighter)"))
        if self.file:
            parts.append(f"file: {self.file}")
        mask = client.ice.voice_mask if client.ice is not None else "optional"
        if mask != "optional":  # no audio here; say what the call in a browser would do
            parts.append("calls: voice masked" + (" (required)" if mask == "required" else ""))
        parts.append(conn)
        status.update("  ·  ".join(parts))
        with contextlib.suppress(NoMatches):
            shown = deadline if client.phase in (Phase.FEEDBACK, Phase.REVEALED) else ""
            if client.phase == Phase.REVEALED and client.unmask_result is not None:
                shown = ""
            self.query_one("#review-deadline", Static).update(shown.capitalize())

    def deadline_ms(self) -> int | None:
        """When the running phase timer fires: session.ends_at, or for the unmask question the
        deadline its status carries (the same instant, when both are sent)."""
        client = self.client
        if client is None or client.session is None:
            return None
        if client.session.ends_at:
            return client.session.ends_at
        if client.session.phase == Phase.REVEALED and client.unmask_status is not None:
            return client.unmask_status.deadline
        return None

    def refresh_people(self) -> None:
        client = self.client
        if client is None:
            return
        lines = []
        me = (client.you or {}).get("id")
        if client.session is not None:
            for p in client.session.participants:
                mark = {"connected": "●", "reconnecting": "◌", "away": "○"}.get(
                    str(p.get("status")), "·"
                )
                you = " (you)" if p.get("id") == me else ""
                lines.append(
                    f"[{p.get('color', '#888888')}]{mark} {p.get('name')}[/] "
                    f"{p.get('role')}{you} — {p.get('status')}"
                )
        else:
            for st in client.awareness.values():
                user = st.get("user") or {}
                lines.append(f"[{user.get('color', '#888888')}]● {user.get('name', '?')}[/]")
        self.query_one(PeopleList).people = tuple(lines)
        self.query_one("#end", Button).set_class(not self.can_end(), "hidden")
        self.refresh_bindings()  # F4 is advertised only to whoever may end
        if self.invite:
            others_here = any(
                p.get("id") != me and p.get("status") == "connected"
                for p in (client.session.participants if client.session else [])
            )
            with contextlib.suppress(NoMatches):
                self.query_one("#invite", Static).set_class(others_here, "hidden")

    def refresh_chat(self) -> None:
        if self.client is not None:
            # chat and runs in one column, in time order
            self.query_one(ChatLog).show_new(self.client.chat, self.client.runs)

    def refresh_typing(self) -> None:
        client = self.client
        if client is None:
            return
        me = (client.you or {}).get("id")
        names = {
            p.get("id"): p.get("name")
            for p in (client.session.participants if client.session else [])
        }
        self.query_one(TypingLine).names = tuple(
            str(names.get(pid, "someone")) for pid, on in client.typing.items()
            if on and pid != me)

    # -- review pane: feedback form, reveal, unmask

    def refresh_review(self) -> None:
        self.query_one(ReviewPane).show(review_plan(self.client))

    def on_review_pane_rebuilt(self, event: ReviewPane.Rebuilt) -> None:
        # the pane's own switcher: a dialog may be the screen on top
        switcher = event.pane.parent
        if (self.client is not None and self.client.phase not in INTERVIEW_PHASES
                and isinstance(switcher, ContentSwitcher)):
            switcher.current = "review-pane"

    @on(Button.Pressed, "#fb-submit")
    def submit_feedback(self) -> None:
        form_widget = self.query_one(FeedbackForm)
        error = self.query_one("#fb-error", Static)
        try:
            form = form_widget.values()
        except ValueError as exc:
            error.update(f"[red]{exc}[/]")
            return
        error.update("sending…")
        self.send_feedback(form)

    @work(group="requests")
    async def send_feedback(self, form: dict[str, Any]) -> None:
        assert self.client is not None
        try:
            await self.client.submit_feedback(form)
        except (SdkError, TimeoutError) as exc:
            for error in self.query("#fb-error").results(Static):
                error.update(f"[red]{exc}[/]")

    @on(Button.Pressed, "#unmask-yes, #unmask-no, #unmask-withdraw")
    def unmask_pressed(self, event: Button.Pressed) -> None:
        assert event.button.id is not None
        self.answer_unmask(event.button.id.split("-", 1)[1])

    @work(group="requests")
    async def answer_unmask(self, answer: str) -> None:
        assert self.client is not None
        try:
            await self.client.answer_unmask(answer)
        except (SdkError, TimeoutError) as exc:
            self.notify(f"unmask: {exc}", severity="error")

    # -- actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide keys that do nothing for this user from the footer."""
        if action == "end_interview":
            return self.can_end()
        if action == "edit_question":
            return self.can_set_question()
        if action == "copy_invite":
            return bool(self.invite)
        if action == "show_output":
            return self.client is not None and bool(self.client.runs)
        return True

    def role(self) -> str:
        return str(((self.client.you or {}) if self.client else {}).get("role", ""))

    def can_end(self) -> bool:
        """What the server's `actions` say; from a server that lists none, by role and phase."""
        client = self.client
        if client is None or client.session is None:
            return False
        allowed = client.may("end_interview")
        if allowed is not None:
            return allowed
        return self.role() == "interviewer" and client.session.phase in INTERVIEW_PHASES

    def can_set_question(self) -> bool:
        """As can_end; before the session message arrives, the interviewer may."""
        client = self.client
        if client is None or client.session is None:
            return client is not None and self.role() == "interviewer"
        allowed = client.may("set_question")
        if allowed is not None:
            return allowed
        return self.role() == "interviewer" and client.session.phase in INTERVIEW_PHASES

    def restore_focus(self, widget: Any) -> None:
        """After a dialog: back to where the user was (never to a button that Enter would
        press), the editor if that is gone."""
        target = widget
        if target is None or not target.is_attached or not target.focusable or isinstance(
                target, Button):
            area = self.query_one("#editor", CodeArea)
            target = area if area.focusable else self.query_one("#chat-input", Input)
        self.screen.set_focus(target)

    def action_go_end(self) -> None:
        self.query_one("#left", ContentSwitcher).current = "editor-pane"
        area = self.query_one("#editor", CodeArea)
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

    @on(Button.Pressed, "#end")
    def action_end_interview(self) -> None:
        if not self.can_end():
            self.notify("only the interviewer can end the interview, while it runs",
                        severity="warning")
            return
        focused = self.screen.focused

        def confirmed(yes: bool | None) -> None:
            self.restore_focus(focused)
            if yes:
                self.end_interview()

        self.push_screen(ConfirmEnd(), confirmed)

    def action_show_output(self) -> None:
        client = self.client
        if client is None or not client.runs:
            self.notify("no run yet", severity="warning")
            return
        run = max(client.runs, key=lambda r: r.ts)
        output = run_output(run).plain or "(no output)"
        if run.truncated:
            output += "\n… (the server kept only the start of the output)"
        name = str((run.from_ or {}).get("name", "?"))
        focused = self.screen.focused
        self.push_screen(OutputView(f"Output of {name}'s {run.language} run (escape closes)",
                                    output), lambda _: self.restore_focus(focused))

    def refresh_question(self) -> None:
        client = self.client
        if client is None:
            return
        self.query_one(QuestionText).text = (
            client.question.text if client.question is not None else "")

    def action_edit_question(self) -> None:
        client = self.client
        if client is None:
            return
        if not self.can_set_question():
            self.notify("only the interviewer can set the question, until the interview ends",
                        severity="warning")
            return
        current = client.question.text if client.question is not None else ""
        focused = self.screen.focused

        def done(text: str | None) -> None:
            self.restore_focus(focused)
            if text is not None:
                self.save_question(text)

        self.push_screen(TextDialog("The question (Markdown)", current, "question-dialog"),
                         done)

    @work(group="requests")
    async def save_question(self, text: str) -> None:
        assert self.client is not None
        try:
            await self.client.set_question(text)
        except (SdkError, TimeoutError) as exc:
            self.notify(f"question not saved: {exc}", severity="error")

    def action_edit_notes(self) -> None:
        client = self.client
        if client is None:
            return
        current = client.notes.text if client.notes is not None else ""
        focused = self.screen.focused

        def done(text: str | None) -> None:
            self.restore_focus(focused)
            if text is not None:
                self.save_notes(text)

        self.push_screen(TextDialog("My private notes (only you ever see them)", current,
                                    "notes-dialog"), done)

    @work(group="requests")
    async def save_notes(self, text: str) -> None:
        assert self.client is not None
        try:
            await self.client.save_notes(text)
            self.notify("notes saved")
        except (SdkError, TimeoutError) as exc:
            self.notify(f"notes not saved: {exc}", severity="error")

    @work(group="requests")
    async def end_interview(self) -> None:
        assert self.client is not None
        self._ending = True
        try:
            await self.client.end_interview()
        except (SdkError, TimeoutError) as exc:
            self._ending = False
            self.notify(f"cannot end: {exc}", severity="error")

    @on(Input.Submitted, "#chat-input")
    def chat_submitted(self, event: Input.Submitted) -> None:
        text = event.value
        if not text.strip() or self.client is None:
            return
        event.input.value = ""
        self.post_chat(text)

    @on(Input.Changed, "#chat-input")
    def chat_typing(self, event: Input.Changed) -> None:
        client = self.client
        if client is None or not client.connected:
            return
        now = time.monotonic()
        if event.value and now > self._typing_until:
            self._typing_until = now + 3
            asyncio.ensure_future(client.set_typing(True))

    @work(group="requests")
    async def post_chat(self, text: str) -> None:
        assert self.client is not None
        try:
            if self._typing_until:
                self._typing_until = 0.0
                await self.client.set_typing(False)
            await self.client.post_chat(text)
        except (SdkError, TimeoutError) as exc:
            self.notify(f"chat: {exc}", severity="error")
            self.query_one("#chat-input", Input).value = text


# ---------------------------------------------------------------- command line

# `collab-term` runs collab_term.cli.main, which imports this module only once it knows Textual is
# there; `python -m collab_term.app` still works.
if __name__ == "__main__":
    from .cli import main

    sys.exit(main())
