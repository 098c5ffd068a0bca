"""The cases of the golden vectors, by file group; protocol/gen_vectors.py writes them.

`common` holds the decoded (JSON) form, the pycrdt documents with fixed client ids and the sample
data every group shares; `yjs` the y-protocols messages and multi-message frames; `collab` the
collabd message kinds (with `room`: runs, the question, notes, replay); `invalid` the frames the
codec must refuse; `tokens` the join token and TURN credential files.
"""
