"""collab_term: the terminal pair-programming client for collabd and its Python client SDK.

The SDK (`collab_term.sdk.Client`) speaks the wire protocol of protocol/SPEC.md through the
`collab_protocol` codec; nothing here imports the server.
"""

from .links import JoinInfo, LinkError, parse_join
from .sdk import Client, SdkError

__all__ = ["Client", "JoinInfo", "LinkError", "SdkError", "parse_join"]
