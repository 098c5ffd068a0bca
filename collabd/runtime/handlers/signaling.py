"""Voice signaling (SPEC 8.4, 14): offers, answers, candidates and hangups relayed to one
member, checked and (relay-only) stripped of anything that would reveal an address."""

from __future__ import annotations

from typing import Any

from collab_protocol import Signal

from ...core import signaling
from ...core.lifecycle import allowed
from .context import Ctx, Handler, msgpack_size


async def signal(ctx: Ctx, msg: Signal) -> None:
    limits, conn, live = ctx.limits, ctx.conn, ctx.live
    if msg.kind not in signaling.KINDS:
        ctx.error("bad_message", f"unknown signal kind {msg.kind[:20]!r}")
        return
    # a hangup always passes: a call must be able to end whatever the phase
    if live is not None and msg.kind != "hangup" and not allowed(live.session.phase, "call"):
        ctx.error("wrong_phase", "calls are over once the interview has ended")
        return
    if not conn.signals.allow(ctx.loop_time()):
        ctx.error("rate_limited", "too many signaling messages")
        return
    if (msg.kind in signaling.MASK_KINDS and not msg.masked
            and live is not None and live.extra.get("voice_mask") == "required"):
        ctx.error("voice_mask_required", "this session requires a masked voice")
        return
    data = dict(msg.data)
    problem = check_signal_data(msg.kind, data, limits.max_sdp_bytes,
                                limits.max_candidate_bytes, limits.max_signal_other_bytes)
    if problem is not None:
        ctx.error(*problem)
        return
    targets = [c for c in ctx.room.conns if c.hello and c.claims.pid == msg.to
               and c.claims.pid != conn.claims.pid]
    if not targets:
        ctx.error("bad_target", "no such member connected")
        return
    ctx.host.stats.signals += 1
    if ctx.host.settings.relay_only or bool(live and live.extra.get("relay_only")):
        if msg.kind in ("offer", "answer"):
            data["sdp"] = signaling.relay_only_sdp(data["sdp"])
        elif msg.kind == "ice" and data.get("candidate"):
            kept = signaling.relay_candidate(data["candidate"])
            if kept is None:
                return  # a host/srflx candidate: it would reveal an address
            data["candidate"] = kept
    masked = msg.masked and msg.kind in signaling.MASK_KINDS
    out = Signal(msg.kind, data, msg.to, ctx.sender(), masked)
    for c in targets:
        c.send_collab(out)
    await log_call(ctx, msg.kind)


async def log_call(ctx: Ctx, kind: str) -> None:
    """A call's start and end, for the replay (SPEC 18)."""
    calls, pid = ctx.shared.in_call, ctx.conn.claims.pid
    event = None
    if kind == "offer" and not calls:
        event = "call_started"
    if kind in ("offer", "answer"):
        calls.add(pid)
    answered = True
    if kind == "hangup" and calls:
        answered = len(calls) > 1  # only the caller had offered: nobody picked up
        calls.clear()
        event = "call_ended"
    if event is not None:
        data: dict[str, Any] = {"by": pid}
        if not answered:
            data["answered"] = False
        await ctx.host.write(ctx.store.log_event, ctx.room.name, ctx.now_ms(), event, data)


def check_signal_data(kind: str, data: dict[str, Any], max_sdp: int,
                      max_candidate: int, max_other: int = 1024) -> tuple[str, str] | None:
    """None if `data` may be relayed, else (error code, message). Besides the SDP or the
    candidate, everything in `data` together is at most `max_other` MessagePack bytes."""
    other = {k: v for k, v in data.items() if k not in ("sdp", "candidate")}
    if msgpack_size(other) > max_other:
        return ("too_large", f"{kind} data beyond sdp/candidate over {max_other} bytes")
    if kind in ("offer", "answer"):
        sdp = data.get("sdp")
        if not isinstance(sdp, str) or not isinstance(data.get("type", kind), str):
            return ("bad_message", f"{kind} needs data.sdp (string)")
        if len(sdp.encode()) > max_sdp:
            return ("too_large", f"SDP over {max_sdp} bytes")
    elif kind == "ice":
        cand = data.get("candidate")
        if not isinstance(cand, str):
            return ("bad_message", "ice needs data.candidate (string)")
        if len(cand.encode()) > max_candidate:
            return ("too_large", f"candidate over {max_candidate} bytes")
        mid, index = data.get("sdpMid"), data.get("sdpMLineIndex")
        if not (mid is None or isinstance(mid, str)) or not (
                index is None or (isinstance(index, int) and not isinstance(index, bool))):
            return ("bad_message", "ice data.sdpMid / sdpMLineIndex have the wrong type")
    return None


HANDLERS: dict[type, Handler] = {Signal: signal}
