"""One node's part in the cluster: its leases (which rooms it owns), its Redis connection, the
leader election, and whether it is ready (Redis and the store both answer)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import secrets
import time
from collections import OrderedDict
from time import monotonic
from typing import TYPE_CHECKING, Any

from .leases import LEADER, Leases, room_key

if TYPE_CHECKING:
    from ..config import Settings
    from ..runtime.hub import Hub

log = logging.getLogger("collabd.cluster")

FORWARD_HEADER = "X-Collabd-Forwarded"
REDIS_TIMEOUT = 2.0  # a Redis call that takes longer counts as Redis being down
PROOF_WINDOW_MS = 10_000  # a forwarding proof is valid this long either side of its time
PROOFS_KEPT = 100_000  # proofs remembered within the window (each is good for one request)


class ClusterUnavailable(Exception):
    """Redis cannot be reached: this node can neither take nor check a lease (try again)."""


class UnsignedLease(ClusterUnavailable):
    """The room's lease holds a value no node of this cluster signed (someone wrote it into
    Redis, or a node runs with another secret): nobody is forwarded to the URL in it."""


def lease_value(key: bytes, node_url: str, pid: str) -> str:
    """`<node url> <process id> <signature>`: the signature is an HMAC of the rest with the
    cluster's shared secret, so only a member can name itself the owner of a room."""
    ident = f"{node_url} {pid}"
    return f"{ident} {hmac.new(key, ident.encode(), hashlib.sha256).hexdigest()}"


def lease_owner(key: bytes, value: str) -> str | None:
    """The node URL of a lease value a member signed; None for any other value."""
    parts = value.split(" ")
    if len(parts) != 3:
        return None
    if not hmac.compare_digest(lease_value(key, parts[0], parts[1]), value):
        return None
    return parts[0]


def make_proof(key: bytes, method: str, path_qs: str, now_ms: int, nonce: str) -> str:
    """`<ms>.<nonce>.<hmac>`: proof that a member forwards this request (method and path with
    its query), made at `now_ms`."""
    mac = hmac.new(key, f"{method} {path_qs} {now_ms} {nonce}".encode(), hashlib.sha256)
    return f"{now_ms}.{nonce}.{mac.hexdigest()}"


def proof_ok(key: bytes, proof: str, method: str, path_qs: str, now_ms: int) -> bool:
    """Whether `proof` was made by a member for this method and path within the window (it
    says nothing about replays: Cluster.is_forwarded remembers the proofs it took)."""
    parts = proof.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 15:
        return False
    made = int(parts[0])
    if abs(now_ms - made) > PROOF_WINDOW_MS:
        return False
    return hmac.compare_digest(make_proof(key, method, path_qs, made, parts[1]), proof)


class Cluster:
    def __init__(self, settings: Settings, secret: bytes, redis: Any = None) -> None:
        import redis.asyncio as aioredis  # the `redis` extra

        self.settings = settings
        self.node_url = settings.node_url.rstrip("/")
        # the node's URL and a per-process id, signed: a restarted node never mistakes its
        # previous life's leases for its own, and nobody but a member names a room's owner
        self._lease_key = hashlib.sha256(b"collabd lease " + secret).digest()
        self.value = lease_value(self._lease_key, self.node_url, secrets.token_hex(8))
        self.ttl = settings.lease_seconds
        self.redis = redis or aioredis.Redis.from_url(
            settings.redis, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT)
        self.leases = Leases(self.redis, self.value, int(self.ttl * 1000))
        self._key = hashlib.sha256(b"collabd forward " + secret).digest()
        self._proofs: OrderedDict[str, int] = OrderedDict()  # taken proof -> its time (ms)
        # room -> (until when it is surely ours, when we took it): checked on every join
        self.held: dict[str, tuple[float, float]] = {}
        self.leader = False
        self.redis_ok = False
        self.store_ok = False
        self.hub: Hub | None = None
        self.services: Any = None  # collabd.cluster.services.ClusterServices
        self._tasks: list[asyncio.Task[None]] = []
        # room -> (the owner's URL, our forwarded links to it, lease seen free at the last check)
        self.forwarded: dict[str, tuple[str, set[Any], bool]] = {}

    def bind(self, hub: Hub, services: Any) -> None:
        self.hub = hub
        self.services = services

    # -- ownership

    def owns(self, room: str) -> bool:
        held = self.held.get(room)
        return held is not None and monotonic() < held[0]

    def _valid_from(self, start: float) -> float:
        # Redis expires the key ttl after it saw the command, which is after `start`; stop using
        # the lease a fifth of the ttl earlier, for clock rates and the round trip
        return start + self.ttl * 0.8

    async def route(self, room: str) -> str | None:
        """None if this node owns the room (taking the lease when nobody holds it), else the
        URL of the owner. Raises ClusterUnavailable when Redis does not answer."""
        if self.owns(room):
            return None
        start = monotonic()
        try:
            holder = await asyncio.wait_for(self.leases.take(room_key(room)), REDIS_TIMEOUT)
        except Exception as exc:
            self.redis_ok = False
            raise ClusterUnavailable(str(exc) or type(exc).__name__) from None
        if holder is None:
            self.held[room] = (self._valid_from(start), start)
            return None
        owner = lease_owner(self._lease_key, holder)
        if owner is None:
            log.error("a room's lease holds a value no member signed: not forwarding",
                      extra={"room": room})
            raise UnsignedLease("the room's lease is not a member's")
        return owner

    def release(self, room: str) -> None:
        """Give the room's lease up (its room is unloaded and its session forgotten here)."""
        if self.held.pop(room, None) is None:
            return
        task = asyncio.get_running_loop().create_task(self._release(room))
        self._tasks.append(task)
        task.add_done_callback(self._tasks.remove)

    async def _release(self, room: str) -> None:
        try:
            await asyncio.wait_for(self.leases.release(room_key(room)), REDIS_TIMEOUT)
        except Exception as exc:  # it expires by itself
            log.warning("lease release failed", extra={"room": room, "error": str(exc)})

    def _lost(self, room: str) -> None:
        if self.held.pop(room, None) is not None:
            log.warning("lease lost", extra={"room": room})
            self.services.lost(room)

    def links_for(self, room: str, owner_url: str) -> set[Any]:
        """The set a new forwarded link of `room` to `owner_url` goes into (proxy.py)."""
        entry = self.forwarded.get(room)
        if entry is None or entry[0] != owner_url:
            entry = (owner_url, entry[1] if entry else set(), False)
            self.forwarded[room] = entry
        return entry[1]

    async def _check_forwarded(self) -> None:
        """Cut the forwarded links of a room whose lease another node holds now, or which
        has stayed free for two checks in a row (its owner is frozen or dead): their clients
        reconnect and land on the room's owner of now. One MGET for every such room."""
        for room in [r for r, (_, links, _) in self.forwarded.items() if not links]:
            del self.forwarded[room]
        rooms = list(self.forwarded)
        if not rooms:
            return
        self.leases.ops += 1
        values = await asyncio.wait_for(self.redis.mget([room_key(r) for r in rooms]),
                                        REDIS_TIMEOUT)
        for room, value in zip(rooms, values, strict=True):
            entry = self.forwarded.get(room)
            if entry is None:
                continue
            owner, links, was_free = entry
            holder = value.decode() if isinstance(value, bytes) else value
            free = holder is None
            if (free and was_free) or (holder is not None
                                       and lease_owner(self._lease_key, holder) != owner):
                log.warning("forwarded room moved: cutting its links",
                            extra={"room": room, "links": len(links)})
                for pipe in list(links):
                    pipe.cut()
                del self.forwarded[room]
            else:
                self.forwarded[room] = (owner, links, free)

    def _in_use(self, room: str) -> bool:
        assert self.hub is not None
        return room in self.hub.rooms or room in self.services.live

    # -- forwarded requests: the owner trusts what another node already checked

    def proof(self, path_qs: str, method: str = "GET") -> str:
        return make_proof(self._key, method, path_qs, int(time.time() * 1000),
                          secrets.token_hex(8))

    def is_forwarded(self, headers: Any, path_qs: str, method: str = "GET") -> bool:
        """A valid proof for this method and path, within its window, not seen before."""
        got = headers.get(FORWARD_HEADER)
        if got is None:
            return False
        now = int(time.time() * 1000)
        if not proof_ok(self._key, got, method, path_qs, now):
            return False
        kept = self._proofs
        while kept and next(iter(kept.values())) < now - 2 * PROOF_WINDOW_MS:
            kept.popitem(last=False)
        if got in kept:
            log.warning("a forwarding proof was replayed", extra={"path": path_qs[:64]})
            return False
        if len(kept) >= PROOFS_KEPT:  # more forwards than any cluster makes: refuse, fail safe
            return False
        kept[got] = int(got.split(".", 1)[0])
        return True

    # -- background work

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        await self._check()
        self._tasks += [loop.create_task(self._renew_loop()), loop.create_task(self._leader_loop())]

    async def stop(self) -> None:
        """Stop renewing and leading. The rooms' leases are released as the hub unloads them
        (after their last commit), or expire by themselves."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.leader:
            self.leader = False
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.leases.release(LEADER), 0.5)

    async def close(self) -> None:
        """After the hub closed: wait for the last releases, then close the Redis client."""
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.redis.aclose()

    async def _renew_loop(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                await self._renew()
            except Exception:
                log.exception("lease renewal failed")

    async def _renew(self) -> None:
        now = monotonic()
        # leases taken a while ago whose room and session have gone (e.g. a failed load): give up
        for room, (_, taken) in list(self.held.items()):
            if now - taken > self.ttl and not self._in_use(room):
                self.release(room)
        rooms = list(self.held)
        start = monotonic()
        try:
            result = await asyncio.wait_for(self.leases.renew([room_key(r) for r in rooms]),
                                            REDIS_TIMEOUT)
        except Exception as exc:
            if self.redis_ok:
                log.warning("redis unreachable", extra={"error": str(exc) or type(exc).__name__})
            self.redis_ok = False
            for room in rooms:
                if not self.owns(room):  # can no longer be sure it is ours: stop at once
                    self._lost(room)
        else:
            if not self.redis_ok:
                log.info("redis reachable")
            self.redis_ok = True
            for room in rooms:
                if room not in self.held:
                    continue  # released meanwhile
                if result[room_key(room)]:
                    self.held[room] = (self._valid_from(start), self.held[room][1])
                else:
                    self._lost(room)
            try:
                await self._check_forwarded()
            except Exception as exc:  # Redis went away meanwhile: the next renewal will say
                log.warning("forwarded rooms not checked", extra={"error": str(exc)})
        await self._check_store()

    async def _check(self) -> None:
        try:
            await asyncio.wait_for(self.redis.ping(), REDIS_TIMEOUT)
            self.redis_ok = True
        except Exception:
            self.redis_ok = False
        await self._check_store()

    async def _check_store(self) -> None:
        assert self.hub is not None
        try:
            await asyncio.wait_for(self.hub.persistence.read(self.hub.store.load_session,
                                                             "-healthz-"), REDIS_TIMEOUT)
            self.store_ok = True
        except Exception:
            self.store_ok = False

    async def _leader_loop(self) -> None:
        period = self.settings.cluster_sweep_seconds
        while True:
            await asyncio.sleep(period)
            try:
                if self.leader:
                    renewed = await asyncio.wait_for(self.leases.renew([LEADER]), REDIS_TIMEOUT)
                    self.leader = renewed[LEADER]
                else:
                    self.leader = await asyncio.wait_for(self.leases.take(LEADER),
                                                         REDIS_TIMEOUT) is None
            except Exception:
                self.leader = False
                continue
            if self.leader:
                try:
                    await self.services.sweep()
                except Exception:
                    log.exception("leader sweep failed")

    @property
    def ready(self) -> bool:
        return self.redis_ok and self.store_ok
