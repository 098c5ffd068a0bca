"""collab_client: the Python client SDK for collabd rooms (protocol v1, protocol/SPEC.md).

    from collab_client import Client
    client = await Client.connect(join_url)

It depends only on the `collab_protocol` codec, pycrdt and websockets, and never imports the
server package; the terminal client (`collab_term`) and `collabd simulate` are built on it.

Modules: `client` (Client, SdkError: the connection; the Client's other halves are `view`,
`docsync` and `requests`), `links` (join links and tokens), `positions` (code point,
UTF-16 and UTF-8 conversions, minimal diffs), `relpos` (exact Yjs relative positions on pycrdt),
`textbind` (two-way binding between any editor buffer and the shared `code` text).
"""

from .client import Client, SdkError, apply_edit
from .links import JoinInfo, LinkError, parse_join
from .textbind import EditorAdapter, TextBinding

__all__ = [
    "Client",
    "EditorAdapter",
    "JoinInfo",
    "LinkError",
    "SdkError",
    "TextBinding",
    "apply_edit",
    "parse_join",
]
