"""Which client a connection counts against, for the per-address admission limits.

An IPv6 client is counted by its /64 (one subscriber usually holds a whole /64, so counting
single addresses would give it 2^64 budgets). Behind a reverse proxy every connection comes
from the proxy: when the peer is a configured trusted proxy (`--trusted-proxy`), the client is
the rightmost address in the forwarded header (`--forwarded-header`) that is not itself a
trusted proxy. Hops to its left were written by the client and are never believed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Protocol

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Headers(Protocol):
    def getall(self, key: str, default: list[str]) -> list[str]: ...


def parse_ip(text: str) -> Address | None:
    try:
        addr = ipaddress.ip_address(text.split("%", 1)[0])  # no zone id
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def address_key(text: str) -> str:
    """The key an address is counted under: IPv4 as is, IPv6 by its /64."""
    addr = parse_ip(text)
    if addr is None:
        return text
    if isinstance(addr, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((addr, 64), strict=False))
    return str(addr)


def forwarded_for(value: str) -> list[str]:
    """The `for=` addresses of a Forwarded header (RFC 7239), in order."""
    out = []
    for element in value.split(","):
        for pair in element.split(";"):
            name, _, node = pair.strip().partition("=")
            if name.lower() != "for":
                continue
            node = node.strip().strip('"')
            if node.startswith("["):  # [v6]:port
                node = node[1:].split("]", 1)[0]
            elif node.count(":") == 1:  # v4:port
                node = node.split(":", 1)[0]
            out.append(node)
    return out


class TrustedProxies:
    def __init__(self, entries: Iterable[str], header: str = "X-Forwarded-For") -> None:
        self.networks: list[Network] = [ipaddress.ip_network(e, strict=False) for e in entries]
        self.header = header

    def trusts(self, text: str) -> bool:
        addr = parse_ip(text)
        return addr is not None and any(addr in net for net in self.networks)

    def hops(self, headers: Headers) -> Sequence[str]:
        values = headers.getall(self.header, [])
        if self.header.lower() == "forwarded":
            return [hop for v in values for hop in forwarded_for(v)]
        return [hop.strip() for v in values for hop in v.split(",") if hop.strip()]

    def client(self, peer: str, headers: Headers) -> str:
        """The key of the client behind `peer` (module docstring)."""
        if not self.networks or not self.trusts(peer):
            return address_key(peer)
        hops = self.hops(headers)
        for hop in reversed(hops):
            if not self.trusts(hop):
                return address_key(hop)
        return address_key(hops[0]) if hops else address_key(peer)
