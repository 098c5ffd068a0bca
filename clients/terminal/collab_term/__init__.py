"""collab_term: the terminal pair-programming client for collabd (a Textual app).

It is built on the client SDK `collab_client` (protocol/collab_client), which speaks the wire
protocol of protocol/SPEC.md through the `collab_protocol` codec; nothing here imports the
server.
"""
