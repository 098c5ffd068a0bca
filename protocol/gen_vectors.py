"""Write the golden vectors in protocol/vectors/ with the real codec (see SPEC.md, "Vectors").

    python protocol/gen_vectors.py           # rewrite every vector file
    python protocol/gen_vectors.py --check   # exit 1 if a file differs from what would be written

The hex of every case comes from `collab_protocol.encode`; the Yjs updates come from pycrdt docs
with fixed client ids. The decoded form is plain JSON so the JS tests can read the same files.
The cases live in `vector_cases/` (one module per group of files); this script assembles, checks
and writes them. It is a development tool: the codec does not import it and needs no pycrdt.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from vector_cases.collab import collab_cases
from vector_cases.common import Case, to_json
from vector_cases.invalid import invalid_cases
from vector_cases.tokens import token_file, turn_file
from vector_cases.yjs import frame_cases, yjs_cases

import collab_protocol as cp
from collab_protocol import messages as m

VECTORS = Path(__file__).resolve().parent / "vectors"


# ---------------------------------------------------------------- files


def file_name(kind: str) -> str:
    return "collab_" + kind.replace(".", "_")


def message_file(name: str, cases: list[Case]) -> dict[str, Any]:
    return {
        "name": name,
        "cases": [
            {"description": d, "message": to_json(msg), "hex": cp.encode(msg).hex()}
            for d, msg in cases
        ],
    }


def all_files() -> dict[str, dict[str, Any]]:
    files = {name: message_file(name, cases) for name, cases in yjs_cases().items()}
    for kind, cases in collab_cases().items():
        files[file_name(kind)] = message_file(kind, cases)
    missing = set(m.KINDS) - set(collab_cases())
    if missing:
        raise SystemExit(f"no vectors for kinds: {sorted(missing)}")
    files["frames"] = {
        "name": "frames",
        "cases": [
            {
                "description": d,
                "messages": [to_json(x) for x in msgs],
                "hex": b"".join(cp.encode(x) for x in msgs).hex(),
            }
            for d, msgs in frame_cases()
        ],
    }
    files["invalid"] = {"name": "invalid", "cases": [_invalid_case(*c) for c in invalid_cases()]}
    files["join_token"] = token_file()
    files["turn_credential"] = turn_file()
    _check_round_trips(files)
    return files


def _invalid_case(
    description: str, data: bytes, expected: type[cp.ProtocolError]
) -> dict[str, Any]:
    try:
        cp.decode_frame(data)
    except cp.ProtocolError as exc:
        if type(exc) is not expected:
            raise SystemExit(f"{description}: got {type(exc).__name__}, meant {expected}") from exc
        return {
            "description": description,
            "hex": data.hex(),
            "error": expected.__name__,
            "code": expected.code,
            "in_payload": expected.in_payload,
        }
    raise SystemExit(f"{description}: the codec accepted it")


def _check_round_trips(files: dict[str, dict[str, Any]]) -> None:
    for name, f in files.items():
        for case in f["cases"]:
            if "message" in case:
                (msg,) = cp.decode_frame(bytes.fromhex(case["hex"]))
                if to_json(msg) != case["message"]:
                    raise SystemExit(f"{name}: {case['description']} does not round-trip")


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale: list[str] = []
    VECTORS.mkdir(exist_ok=True)
    for name, data in all_files().items():
        path = VECTORS / f"{name}.json"
        text = render(data)
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("stale vectors:", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
