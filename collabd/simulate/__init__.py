"""`collabd simulate`: practice data and end-to-end load through a running server.

Each simulated interview is two bots speaking the real wire protocol through the Python client
SDK (collab_client): they join, type code, chat, the interviewer ends, both submit feedback
drawn from a seeded distribution (distribution.py), and both answer the unmask question when it
is offered. Sessions are created with ``"simulated": true`` so the analytics can leave them out.
"""
