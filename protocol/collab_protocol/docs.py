"""The meaning of every collabd message field (kind -> wire name -> meaning): the prose of
SPEC.md section 8's tables, which protocol/gen_schema.py writes from this and the Structs in
messages.py. A test fails when a field has no meaning here."""

import re

# the fields a run carries, the same in run.result (client) and run.msg (server)
RUN_FIELDS = {
    "language": (
        'What ran: `python`, `javascript`, `typescript`, or another name of 1 to 32 '
        "characters from `a–z 0–9 + # _ -` (the editor's language, `meta.language`)."
    ),
    "stdin": 'The standard input the run was given, at most `run_stdin_chars` code points.',
    "stdout": (
        'Standard output, at most `run_output_chars` code points (the client cuts it there '
        'and names `stdout` in `truncated`).'
    ),
    "stderr": 'Standard error, same cap.',
    "exception": (
        'An uncaught exception: `{type: str, message: str, line: int \\| nil}` — `type` at '
        'most 200 and `message` at most 4000 code points, `line` the 1-based line of the '
        '**run code** where it was raised (nil when unknown, e.g. a syntax error the runtime '
        'reports without a line).'
    ),
    "exit": (
        'Exit status, `0..255`: 0 success, 1 an uncaught exception, else what the program '
        'asked for (`sys.exit(n)`, `process.exit(n)`). Absent when the run was stopped '
        '(`timed_out`).'
    ),
    "duration_ms": 'Wall time of the run in milliseconds, `0..2^31`.',
    "timed_out": (
        "The run hit the client's time limit and was stopped (the worker was terminated)."
    ),
    "truncated": (
        'Names of the fields the client cut at their cap: any of `"stdin"`, `"stdout"`, '
        '`"stderr"`.'
    ),
    "order": (
        'The order the output was printed in: `[[stream, length], ...]`, `stream` `"stdout"` '
        'or `"stderr"`, `length` a positive number of **code points** of that stream, so '
        'that the pieces, taken in turn from the start of `stdout` and `stderr`, rebuild the '
        'interleaving. The lengths of each stream add up to its length; at most '
        '`run_order_pieces` pieces. Absent: the order is unknown (show the streams apart).'
    ),
}

FIELD_DOCS: dict[str, dict[str, str]] = {
    "hello": {
        "v": 'Protocol version the client speaks (this document: 1).',
        "client": 'Free-form client name and version, for logs.',
        "chat_after": (
            'Highest chat id the client already holds (after a reconnect); 0 means "send the '
            'whole history".'
        ),
        "run_after": (
            'Highest run id the client already holds (section 8.7); absent or 0 means "send every'
            ' run".'
        ),
    },
    "welcome": {
        "v": 'The version the server will speak on this connection (equal to `hello.v`).',
        "room": 'The room name.',
        "you": "The receiver's own Participant, without `status`: `{id, name, color, role}`.",
        "limits": (
            "The server's current values of the settings marked *announced* in section 16.4, "
            'keyed by setting name (e.g. `{"chat_max_chars": 2000, ...}`); values are numbers '
            '(integer or float). Clients ignore keys they do not know.'
        ),
    },
    "error": {
        "code": 'One of the codes in section 16.1.',
        "message": "Human-readable English. Never holds another participant's identity.",
        "ref": 'The `nonce` of the message it answers, if it had one.',
    },
    "ack": {
        "ref": 'The `nonce` of the request that succeeded.',
    },
    "session": {
        "phase": '`lobby`, `live`, `feedback`, `revealed`, `unmasked` or `sealed` (section 12).',
        "participants": 'Participants (section 8 common shapes), interviewer first.',
        "ends_at": (
            "When the current phase's timer fires (interview end, feedback deadline, unmask "
            'deadline); absent when no timer runs.'
        ),
        "read_only": 'The shared document no longer accepts updates.',
        "unmask_offered": 'The unmask question is open (section 12.4).',
        "close_reason": (
            'Only in `unmasked` and `sealed`: why the session closed. `ended_in_lobby` (ended '
            'before both had joined), `cancelled` (the embedder cancelled it), `feedback_expired`'
            ' (fewer than two forms by the feedback deadline), `not_offered` (both forms '
            'revealed; the unmask policy did not hold), `no_mutual_unmask` (a no, or the unmask '
            'deadline passed: the same value either way, so a no is never attributed), '
            '`unmasked`. Readers treat an unknown value as "closed".'
        ),
    },
    "chat.post": {
        "text": '1 to `chat_max_chars` code points, not only whitespace.',
        "nonce": 'Echoed in the resulting `chat.msg` to the sender, or in `error.ref`.',
    },
    "chat.msg": {
        "id": 'Server-assigned, strictly increasing within the room, from 1.',
        "ts": 'Server time the message was stored.',
        "from": "The sender's Pseudonym, stamped by the server.",
        "text": 'As posted.',
        "nonce": 'The sender\'s nonce in the copy sent to the sender; `""` for everyone else.',
    },
    "chat.history": {
        "messages": (
            'Chat messages with `id > hello.chat_after`, in id order, each a map `{id, ts, from, '
            'text}` (a `chat.msg` without `t` and `nonce`).'
        ),
    },
    "chat.typing": {
        "on": 'The sender started (`true`) or stopped (`false`) typing.',
        "from": "Set by the server when relaying: the sender's Pseudonym.",
    },
    "signal": {
        "kind": '`offer`, `answer`, `ice`, `hangup`, `restart` or `voice`.',
        "data": 'Depends on `kind`, below.',
        "to": "The receiver's participant id.",
        "from": (
            "Set by the server when relaying: the sender's Pseudonym. Ignored (overwritten) when "
            'a client sends it.'
        ),
        "masked": (
            '`offer`, `answer` and `voice`: the sender\'s outgoing voice is masked (section '
            '14.3). Relayed as sent; when the session requires masking, `false` gets '
            '`voice_mask_required`.'
        ),
    },
    "ice.servers": {
        "servers": (
            '`RTCIceServer` maps: `{urls: [str], username?: str, credential?: str}`; pass them to'
            ' `RTCPeerConnection` as `iceServers`.'
        ),
        "relay_only": (
            'The call MUST use `iceTransportPolicy: "relay"`; the server also strips non-relay '
            'candidates (section 14.2).'
        ),
        "voice_mask": (
            'The session\'s voice masking policy (section 14.3): `optional` (each participant '
            'chooses, off to start with), `default` (on to start with) or `required`.'
        ),
    },
    "feedback.submit": {
        "form": "The sender's form for its role (section 12.3).",
        "nonce": 'Copied into the `ack` or `error`.',
    },
    "feedback.status": {
        "mine": "`pending` or `submitted`: the receiver's own form.",
        "theirs": (
            "`pending` or `submitted`: the other side's form. Nothing else about it is ever sent "
            'before the reveal.'
        ),
    },
    "feedback.reveal": {
        "mine": "The receiver's own form, as submitted.",
        "theirs": (
            "The other side's form. To the interviewer, the interviewee's form **without** "
            '`self_assessment` (the key is absent).'
        ),
        "calibration": (
            'Interviewee only: `{self: int, actual: int}` — their `self_assessment` beside the '
            "interviewer's `technical` score; plus `history: {points: [{ended_at: int, guess: "
            'int, actual: int}], tendency: str}` (their own last interviews, oldest first, at '
            'most 10) when the embedder gave their `external_id` and they have at least two '
            'complete interviews. Nothing of anyone else.'
        ),
    },
    "unmask.answer": {
        "answer": '`yes`, `no`, or `withdraw` (take back an earlier `yes`).',
    },
    "unmask.status": {
        "mine": (
            "The receiver's own answer: `pending`, `yes` or `no`. The other side's answer is "
            'never sent.'
        ),
        "deadline": 'When the question closes.',
    },
    "unmask.result": {
        "unmasked": '`true` only when both said yes.',
        "identity": (
            "Only when `unmasked`: the **other** side's real identity `{name: str, email: str, "
            'profile?: str}` (`profile` absent when the embedder gave none).'
        ),
    },
    "run.result": {
        **RUN_FIELDS,
        "nonce": 'Echoed in the resulting `run.msg` to the sender, or in `error.ref`.',
    },
    "run.msg": {
        "id": 'Server-assigned, increasing, from 1.',
        "ts": 'Server time the run was stored.',
        "from": "The runner's Pseudonym, stamped by the server.",
        **RUN_FIELDS,
        "nonce": (
            'The runner\'s nonce in the copy sent to the runner\'s connection; `""` for everyone '
            'else.'
        ),
    },
    "run.history": {
        "runs": (
            'Runs with `id > hello.run_after`, in id order, each a `run.msg` map without `t` and '
            '`nonce`.'
        ),
    },
    "question.set": {
        "text": 'The whole question, Markdown, 0 to `question_max_chars` code points.',
        "nonce": 'Echoed in the resulting `question` to the sender, or in `error.ref`.',
    },
    "question": {
        "text": 'The current question, Markdown; `""` when there is none.',
        "ts": 'When it was last set; absent when never.',
        "from": "The interviewer's Pseudonym when they set it; absent when the embedder did.",
        "nonce": "The setter's nonce in the copy sent to the setting connection.",
    },
    "notes.save": {
        "text": 'The whole pad, 0 to `notes_max_chars` code points.',
        "nonce": 'Echoed in the resulting `notes` to the sending connection, or in `error.ref`.',
    },
    "notes": {
        "text": "The receiver's own notes.",
        "ts": 'When they were last saved; absent when never.',
        "nonce": 'The saving connection\'s nonce in its copy; `""` in the others.',
    },
    "timeline.get": {
        "after": "Index of the first event wanted: 0, then the previous page's `next`.",
        "nonce": 'Copied into the `timeline` answer or `error.ref`.',
    },
    "timeline": {
        "info": "The timeline's header (section 18.1), on every page.",
        "events": '`events[after : next]` of the timeline (section 18.2).',
        "next": 'Index to ask for next; absent on the last page.',
        "nonce": "The request's nonce.",
    },
    "recording.consent": {
        "yes": (
            '`true`: the sender agrees that the call is recorded; `false`: it does not, or no '
            'longer (a withdrawal stops the recording from then on).'
        ),
    },
    "recording": {
        "allowed": 'The session may record its call (REST `options.recording` is not `off`).',
        "on": (
            'Both participants consented and the interview is live: the server stores the '
            'chunks they send.'
        ),
        "mine": "The receiver's own answer; absent until it answered.",
        "theirs": "The other participant's answer; absent until it answered.",
    },
    "recording.chunk": {
        "run": (
            'The recorder run: a number above the sender\'s previous runs in this session, '
            'taken each time it starts recording (a new container stream; the web client uses '
            'the time it started, in ms).'
        ),
        "seq": "The chunk's index in its run: 0, 1, 2 ... with no gap.",
        "ms": (
            'Milliseconds of audio in the chunk by the sender\'s recorder, 0 to '
            '`recording_chunk_ms`: the server places the chunk at its receipt time minus this.'
        ),
        "data": (
            'The audio bytes (the web client: WebM/Opus from `MediaRecorder`, chunks of one run'
            ' concatenated form one file), standard base64; at most `recording_chunk_bytes` '
            'bytes once decoded.'
        ),
        "nonce": 'Copied into the `ack` sent once the chunk is stored, or into `error.ref`.',
    },
    "recording.get": {
        "after": 'The `id` of the last chunk already held: 0, then the previous page\'s `next`.',
        "nonce": 'Copied into the `recording.chunks` answer or `error.ref`.',
    },
    "recording.chunks": {
        "chunks": (
            'Stored chunks with `id > after`, in id order: `{id: int, by: str, run: int, seq: '
            'int, ts: int, ms: int, data: str}` — `by` the participant id of the speaker, `ts` '
            'where the chunk starts on the timeline (server time, ms), `data` base64.'
        ),
        "next": '`after` for the next page; absent on the last page.',
        "nonce": "The request's nonce.",
    },
}


_BLOCK = re.compile(r"<!-- generated: (.+?) -->\n.*?<!-- /generated -->", re.S)


def fill_generated(current: str, tables: dict[str, str], doc: str) -> str:
    """`current` (a Markdown document, named `doc` in errors) with each
    `<!-- generated: NAME -->` block replaced by tables[NAME]; every table must have a block."""
    seen: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in tables:
            raise SystemExit(f"{doc}: no generated table is called {name!r}")
        seen.append(name)
        return f"<!-- generated: {name} -->\n\n{tables[name]}\n\n<!-- /generated -->"

    text = _BLOCK.sub(fill, current)
    missing = sorted(set(tables) - set(seen))
    if missing:
        raise SystemExit(f"{doc} lacks a place for: {', '.join(missing)}")
    return text
