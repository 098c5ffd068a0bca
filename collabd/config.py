"""Settings: every limit is a named field with its documented default (protocol/SPEC.md)."""

from __future__ import annotations

import logging
import os
import secrets
import stat
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

MiB = 1 << 20
log = logging.getLogger("collabd.config")


@dataclass(frozen=True)
class Limits:
    max_frame_bytes: int = 1 * MiB  # a message, fragments charged their overhead (SPEC 3.2)
    partial_message_bytes: int = 64 * MiB  # held for messages in progress, all connections
    backlog_max_bytes: int = 1 * MiB  # a connection's frames waiting on a handler: then paused
    max_doc_bytes: int = 8 * MiB
    # each participant may hold max_doc_bytes / doc_shares of the encoded document (the
    # structs under its client ids): nobody is refused for the other side's bytes
    doc_shares: int = 2
    update_rate: float = 200.0
    update_burst: float = 1000.0
    awareness_rate: float = 30.0
    awareness_burst: float = 100.0
    awareness_state_bytes: int = 8 * 1024
    chat_max_chars: int = 2000
    chat_rate: float = 5.0
    chat_burst: float = 10.0
    signal_rate: float = 20.0
    signal_burst: float = 100.0
    max_sdp_bytes: int = 32 * 1024
    max_candidate_bytes: int = 1024
    outbox_max_bytes: int = 4 * MiB
    pending_updates: int = 32
    # checking an update costs per struct, deleted range and value in it ("work"): one update
    # may hold max_update_work (a few ms of checking), and a participant's updates
    # update_work_rate per second (a keystroke is free: update_rate counts it)
    max_update_work: int = 4096
    # Yjs client ids one participant may write under in a room (GC structs too): a page load
    # uses one; every id is in each state vector the room sends
    max_client_ids: int = 64
    update_work_rate: float = 8192.0
    update_work_burst: float = 8192.0
    # what a connection may make the server decode (SPEC 16.4, docs/security.md "Cost model"):
    # every frame but a lone document update is charged before it is decoded
    message_rate: float = 400.0  # frames per second
    message_burst: float = 2000.0
    message_bytes_rate: float = 256 * 1024  # bytes per second
    message_bytes_burst: float = 2 * MiB
    refused_messages: int = 32  # refused frames or collabd messages before the sender is cut
    collab_nested_bytes: int = 48 * 1024  # a collabd field holding maps/arrays, encoded
    sync_rate: float = 1.0  # SyncStep1 and query-awareness requests per second
    sync_burst: float = 5.0
    conn_attempts_per_minute: int = 60
    keepalive_seconds: float = 20.0
    # glibc keeps freed memory in the middle of its heap: hand it back this often (0: never;
    # runtime/heap.py)
    heap_trim_seconds: float = 60.0
    ws_ping_seconds: float = 4.0  # a silent peer is noticed (and shown gone) within ~6 s
    idle_ping_seconds: float = 20.0  # the same outside session rooms (no presence shown)
    unload_grace_seconds: float = 30.0
    compact_every_updates: int = 1000
    turn_ttl: int = 4 * 3600
    awareness_max_depth: int = 16
    awareness_tombstones: int = 1024
    max_signal_other_bytes: int = 1024
    nonce_max_chars: int = 64
    header_timeout_seconds: float = 10.0
    # idle time allowed between HTTP requests on one connection: longer than HTTP clients keep a
    # pooled connection (aiohttp 15 s), or a request sent as the server closes it is reset
    http_idle_seconds: float = 30.0
    handshakes_per_address: int = 16  # per address (an IPv6 /64; behind a trusted proxy, forwarded)
    handshakes_max: int = 1024  # all connections without complete headers: past it the oldest goes
    fd_reserve: int = 64  # descriptors new connections never take (the store, logs, the rest)
    practice_per_minute: int = 10  # POST /api/practice per client address (no key needed)
    practice_lobby_seconds: float = 3600.0  # a practice lobby not started by then is cancelled
    # runs, the question, private notes, replay (SPEC 8.7-8.10, 18)
    run_output_chars: int = 65536  # run.result stdout and stderr, each, code points
    run_stdin_chars: int = 16384
    # run.result `order` pieces; at 13 bytes a piece it stays under collab_nested_bytes
    run_order_pieces: int = 2048
    run_rate: float = 1.0  # run.result per connection
    run_burst: float = 5.0
    question_max_chars: int = 20000
    notes_max_chars: int = 20000
    save_rate: float = 2.0  # notes.save and question.set together, per connection
    save_burst: float = 20.0
    timeline_rate: float = 2.0  # timeline.get pages per connection
    timeline_burst: float = 10.0
    timeline_page_bytes: int = 512 * 1024  # a timeline page (WebSocket and REST)
    replay_builds: int = 1  # sessions whose timeline is being built at once (others wait)
    replay_cached: int = 4  # built timelines kept (least recently used dropped)
    # a session keeps at most this many timestamped updates for replay: past it, the next
    # compaction folds them into the snapshot the replay then starts from (complete: false)
    history_max_updates: int = 50_000
    history_retention_days: float = 90.0  # a session room's timestamped history; 0: for ever
    # the call in the replay (SPEC 14.4): each participant uploads its own audio in chunks,
    # charged to its own budget (it outlives reconnects) before anything is decoded or stored
    recording_chunk_bytes: int = 128 * 1024  # one chunk's audio, decoded (base64 is 4/3 more)
    recording_chunk_ms: int = 10_000  # audio one chunk may say it holds
    recording_rate: float = 16 * 1024  # bytes of audio per second per participant (128 kbit/s)
    recording_burst: float = 256 * 1024
    recording_max_bytes: int = 32 * MiB  # one participant's stored audio in one session
    recording_retention_days: float = 90.0  # a chunk is deleted this long after it was stored

    def public(self) -> dict[str, float]:
        """The limits a client may want to know (sent in `welcome`)."""
        keep = ("max_frame_bytes", "max_doc_bytes", "chat_max_chars", "max_sdp_bytes",
                "max_candidate_bytes", "update_rate", "chat_rate", "signal_rate",
                "run_output_chars", "run_stdin_chars", "run_order_pieces", "run_rate",
                "question_max_chars", "notes_max_chars", "recording_chunk_bytes",
                "recording_chunk_ms", "recording_rate", "recording_max_bytes")
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in keep}


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8080
    allowed_origins: tuple[str, ...] = ()  # browser origins allowed besides the same origin
    # origins (scheme://host[:port]) whose pages may frame the web client; the room page posts
    # its events to them (docs/embedding.md). Default: none, framing is refused.
    frame_ancestors: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    # 0: the embedded store commits each update at once (a copy into its hot log's memory map);
    # above 0, at most one group commit per window under load
    commit_window_seconds: float = 0.0
    sqlite_synchronous: str = "NORMAL"  # survives a process crash; FULL also survives power loss
    database: str = ""  # postgresql://... : the store in PostgreSQL; empty: SQLite in data_dir
    stun_urls: tuple[str, ...] = ()
    turn_urls: tuple[str, ...] = ()
    turn_secret: str = ""  # shared with the TURN server (coturn `static-auth-secret`)
    relay_only: bool = False  # every call relay-only, whatever the session says
    practice: bool = True  # POST /api/practice: a start page for a server run on its own
    public_url: str = ""  # base of join links; default: the local address a request reached
    # reverse proxies (addresses or networks) whose forwarded header names the client
    trusted_proxies: tuple[str, ...] = ()
    forwarded_header: str = "X-Forwarded-For"  # or "Forwarded" (RFC 7239): what they write
    # cluster mode (collabd.cluster, docs/cluster.md): Redis for the room leases
    redis: str = ""  # redis://HOST:PORT/DB; empty: embedded mode (one process)
    node_url: str = ""  # how the other nodes reach this one, http://HOST:PORT
    lease_seconds: float = 5.0  # a room's owner renews every third of it; a dead one's rooms
    # move after at most this long
    cluster_sweep_seconds: float = 1.0  # the leader fires unowned sessions' due timers this often

    def with_limits(self, **changes: Any) -> Settings:
        return replace(self, limits=replace(self.limits, **changes))


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("collabd"))


def load_secret(data_dir: Path) -> bytes:
    """COLLABD_SECRET, or a random secret kept in the data directory (created on first use)."""
    env = os.environ.get("COLLABD_SECRET")
    if env:
        return env.encode()
    path = data_dir / "secret"
    private_dir(data_dir)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_bytes(32))
    return path.read_bytes()


def private_dir(path: Path) -> Path:
    """The data directory, created 0700: it holds identities and secrets. One that exists and
    that others may read is left as it is (it may be shared on purpose) with a warning; the
    files collabd keeps in it are made 0600 by `private_file`."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("the data directory is open to other users: chmod 700 it",
                    extra={"path": str(path), "mode": oct(mode)})
    return path


def private_file(path: Path, create: bool = True) -> None:
    """Create `path` 0600 if it is missing (and `create`), or take group and other access away
    from one that has it, with a warning (a store from before collabd did this)."""
    try:
        fd = os.open(path, os.O_RDONLY | (os.O_CREAT if create else 0), 0o600)
    except FileNotFoundError:
        return
    try:
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
        if mode & 0o077:
            try:
                os.fchmod(fd, mode & 0o700)
            except PermissionError:  # another user's store, read by a command: say so only
                log.warning("a data file is open to other users: chmod 600 it",
                            extra={"path": str(path), "mode": oct(mode)})
                return
            log.warning("a data file was open to other users: made private",
                        extra={"path": str(path), "mode": oct(mode)})
    finally:
        os.close(fd)
