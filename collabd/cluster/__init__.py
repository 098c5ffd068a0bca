"""Cluster mode: several collabd nodes sharing a PostgreSQL store, coordinated through Redis.

One owner node per room at a time, held by a lease in Redis (`leases`); every other node
forwards that room's WebSockets (`proxy`) and session mutations (`http`) to the owner, so every
single-node guarantee holds on the owner unchanged. Session saves are compare-and-set and the
document log's (room, seq) key refuses a second owner's appends: both fence a node that lost its
lease without knowing it. A leader (also a lease) fires the due timers of rooms nobody owns.
See docs/cluster.md.
"""

from .node import Cluster, ClusterUnavailable

__all__ = ["Cluster", "ClusterUnavailable"]
