"""collab-term's widgets, one module each. The ones that show part of the room are RoomViews
(room_events.py): the app attaches the client and hands them the messages they watch; they keep
what they show in reactive fields and redraw only themselves.

    status.py       the status line (one field per indicator)
    editor_pane.py  the shared code: binding, remote cursors, undo, language (code_area.py: the
                    TextArea itself)
    question.py     the question (f6 edits it)
    people.py       who is here; the --practice invite link
    activity.py     the partner's live run and call; a call to us is declined
    board.py        the whiteboard that needs a browser
    end.py          ending the interview (F4) and the log line when it ends
    chat_pane.py    the chat column (chat_log.py: the log itself)
    review.py       the review pane (f2): feedback_form.py, then reveal.py (reveal and unmask)
"""
