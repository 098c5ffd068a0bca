"""The call in the replay (SPEC 14.4): recording consent, the chunks each participant uploads
of its own outgoing audio, and the recording once the feedback is revealed.

A chunk is stored, never relayed: the other side hears the call peer to peer and never gets
the sender's chunk bytes. Every chunk is charged to its sender's recording budget (bytes per
second, per participant, kept across reconnects) before it is decoded or stored, and is
refused unless both participants consent at that moment."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from collab_protocol import (
    Ack,
    RecordingChunk,
    RecordingChunks,
    RecordingConsent,
    RecordingGet,
)

from ...core.lifecycle import allowed
from ...core.ratelimit import TokenBucket
from .context import Ctx, Handler
from .session import session_of

PARTICIPANTS = ("interviewer", "interviewee")
PAGE_OVERHEAD = 64  # a chunk's map keys and numbers, in a page's MessagePack


@dataclass
class Recorder:
    """One participant's uploads in a loaded room (kept across its reconnects)."""

    bucket: TokenBucket
    stored: int | None = None  # bytes stored for it in this session; None: not read yet
    run: int = -1  # the run of its last stored chunk
    seq: int = -1  # ... and that chunk's seq
    ts: int = 0  # ... and where it starts on the timeline


def base64_len(n: int) -> int:
    return (n + 2) // 3 * 4


async def consent(ctx: Ctx, msg: RecordingConsent) -> None:
    live = session_of(ctx, msg)
    if live is not None:
        await ctx.host.mutate(live, live.session.consent_recording, ctx.conn.claims.pid,
                              msg.yes)


async def chunk(ctx: Ctx, msg: RecordingChunk) -> None:
    live, conn, lim = ctx.live, ctx.conn, ctx.limits
    if live is None:
        ctx.error("not_found", "recording belongs to an interview session", msg.nonce)
        return
    pid = conn.claims.pid
    if conn.claims.role not in PARTICIPANTS:
        ctx.error("not_allowed", "only the participants are recorded", msg.nonce)
        return
    rec = ctx.shared.recorders.get(pid)
    if rec is None:
        rec = ctx.shared.recorders[pid] = Recorder(TokenBucket(
            lim.recording_rate, max(lim.recording_burst, lim.recording_chunk_bytes),
            ctx.loop_time()))
    # charged first, whatever becomes of it: the text's length bounds what decoding costs
    if len(msg.data) > base64_len(lim.recording_chunk_bytes):
        ctx.error("too_large", f"a chunk holds at most {lim.recording_chunk_bytes} bytes",
                  msg.nonce)
        return
    if not rec.bucket.allow(ctx.loop_time(), len(msg.data) * 3 / 4):
        ctx.error("rate_limited", "too much audio; this run is over", msg.nonce)
        return
    if rec.stored is None:  # after a restart or an unload: where this participant was
        tail = await ctx.host.read(ctx.store.recording_tail, ctx.room.name, pid)
        if rec.stored is None:  # (another chunk may have read it meanwhile)
            rec.stored = tail[0]
            if rec.run < 0:  # else known here (the embedder deleted the chunks meanwhile)
                rec.run, rec.seq, rec.ts = tail[1:]
    # after the only await before the write: a consent withdrawn meanwhile counts
    if not live.session.recording_on():
        ctx.error("not_recording", "the call is not being recorded (consent, phase or "
                  "session option)", msg.nonce)
        return
    if not 0 <= msg.ms <= lim.recording_chunk_ms:
        ctx.error("bad_message", f"ms must be 0..{lim.recording_chunk_ms}", msg.nonce)
        return
    if not (msg.seq == 0 and msg.run > rec.run
            or msg.seq == rec.seq + 1 and msg.run == rec.run):
        ctx.error("bad_message", "a run starts at seq 0 with a higher run number and goes on "
                  "without gaps; after a refused chunk, start a new run", msg.nonce)
        return
    try:
        data = base64.b64decode(msg.data, validate=True)
    except (binascii.Error, ValueError):
        ctx.error("bad_message", "data is not standard base64", msg.nonce)
        return
    if len(data) > lim.recording_chunk_bytes:  # the text's bound above rounds up to 3 bytes
        ctx.error("too_large", f"a chunk holds at most {lim.recording_chunk_bytes} bytes",
                  msg.nonce)
        return
    if rec.stored + len(data) > lim.recording_max_bytes:
        ctx.error("recording_full", f"at most {lim.recording_max_bytes} bytes of audio per "
                  "participant and session", msg.nonce)
        return
    # the server's clock places it: received now, holding `ms` of audio; never before the
    # run's previous chunk, nor before the interview started
    started = live.session.started_at or 0
    ts = max(ctx.now_ms() - msg.ms, started, rec.ts if msg.seq else started)
    # taken before the write: a second tab of the same participant cannot reuse the seq
    rec.run, rec.seq, rec.ts, rec.stored = msg.run, msg.seq, ts, rec.stored + len(data)
    await ctx.host.write(ctx.store.append_recording, ctx.room.name, pid, msg.run, msg.seq, ts,
                         msg.ms, data)
    if msg.nonce:
        conn.send_collab(Ack(msg.nonce))


def may_replay(ctx: Ctx, nonce: str) -> bool:
    """The replay's rule (SPEC 8.10): a participant, once the feedback was revealed."""
    live, conn = ctx.live, ctx.conn
    if live is None:
        ctx.error("not_found", "recording belongs to an interview session", nonce)
        return False
    if conn.claims.role not in PARTICIPANTS:
        ctx.error("not_allowed", "only the participants can replay", nonce)
        return False
    if live.session.revealed_at is None or not allowed(live.session.phase, "replay"):
        ctx.error("wrong_phase", "the recording opens once the feedback is revealed", nonce)
        return False
    return True


def page_rows(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Store rows (id, pid, run, seq, ts, ms, data) as the chunks of a page."""
    return [{"id": i, "by": pid, "run": run, "seq": seq, "ts": ts, "ms": ms,
             "data": base64.b64encode(data).decode()}
            for i, pid, run, seq, ts, ms, data in rows]


def page_budget(page_bytes: int) -> int:
    """Audio bytes a page may carry so that its base64 stays within `page_bytes`."""
    return max(1, (page_bytes - PAGE_OVERHEAD) * 3 // 4)


async def get(ctx: Ctx, msg: RecordingGet) -> None:
    if not may_replay(ctx, msg.nonce):
        return
    if msg.after < 0:
        ctx.error("bad_message", "after must be 0 or more", msg.nonce)
        return
    if not ctx.buckets().timeline.allow(ctx.loop_time()):  # replay pages share one budget
        ctx.error("rate_limited", "too many replay requests", msg.nonce)
        return
    rows, more = await ctx.host.read(ctx.store.recording_after, ctx.room.name, msg.after,
                                     page_budget(ctx.limits.timeline_page_bytes))
    chunks = page_rows(rows)
    nxt = chunks[-1]["id"] if more and chunks else None
    ctx.conn.send_collab(RecordingChunks(chunks, nxt, msg.nonce))


HANDLERS: dict[type, Handler] = {
    RecordingConsent: consent,
    RecordingChunk: chunk,
    RecordingGet: get,
}
