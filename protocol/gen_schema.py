"""Write what is generated from the schema in collab_protocol (messages, forms, close codes).

    python protocol/gen_schema.py           # rewrite the generated files
    python protocol/gen_schema.py --check   # exit 1 if one differs from what would be written

Outputs:
  clients/js/src/schema.generated.js   message kinds and their fields, close codes with their
                                       reconnect flags, the feedback forms (for the JavaScript
                                       client package, which the web client runs on)
  clients/js/src/schema.generated.d.ts its types: one interface per message kind, the close
                                       codes, the feedback forms
  protocol/SPEC.md                     the tables between `<!-- generated: NAME -->` and
                                       `<!-- /generated -->` (fields of each kind, feedback
                                       forms, close codes); the prose around them is by hand
"""

from __future__ import annotations

import json
import re
import sys
import types
import typing
from pathlib import Path
from typing import Any

import msgspec

from collab_protocol import KINDS, CloseCode
from collab_protocol.docs import FIELD_DOCS, fill_generated
from collab_protocol.forms import (
    FORMS,
    MAX_NOTES_CHARS,
    SCORE_LABELS,
    SCORE_MAX,
    SCORE_MIN,
    field_meta,
    private_fields,
)

ROOT = Path(__file__).resolve().parent.parent
PKG_MODULE = ROOT / "clients" / "js" / "src" / "schema.generated.js"
PKG_TYPES = ROOT / "clients" / "js" / "src" / "schema.generated.d.ts"
SPEC = ROOT / "protocol" / "SPEC.md"

# the wire type of a field, by its Python type (Annotated and `| None` taken off)
WIRE_TYPES = {int: "int", str: "str", bool: "bool", dict: "map", list: "list", float: "float"}


def base_type(tp: Any) -> tuple[Any, bool]:
    """(the type under Annotated and `| None`, whether None is allowed)."""
    nullable = False
    if typing.get_origin(tp) in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        nullable = len(args) < len(typing.get_args(tp))
        assert len(args) == 1, f"a field is one type or that type | None, not {tp!r}"
        tp = args[0]
    if typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return typing.get_origin(tp) or tp, nullable


def wire_type(tp: Any) -> str:
    return WIRE_TYPES[base_type(tp)[0]]


def default_of(info: msgspec.structs.FieldInfo) -> Any:
    if info.default_factory is not msgspec.NODEFAULT:
        return info.default_factory()
    return info.default


def default_text(info: msgspec.structs.FieldInfo) -> str:
    if info.required:
        return "required"
    value = default_of(info)
    return "absent" if value is None else f"`{json.dumps(value)}`"


# ---------------------------------------------------------------- SPEC.md tables


def md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += [("| " + " | ".join(row) + " |").replace("|  |", "| |") for row in rows]
    return "\n".join(lines)


def kind_table(kind: str) -> str:
    docs = FIELD_DOCS[kind]
    rows = [[f"`{f.encode_name}`", wire_type(f.type), default_text(f), docs[f.encode_name]]
            for f in msgspec.structs.fields(KINDS[kind])]
    return md_table(["Field", "Type", "Default", "Meaning"], rows)


def forms_table() -> str:
    rows = []
    for role, form in FORMS.items():
        for i, f in enumerate(msgspec.structs.fields(form)):
            meta, kind = field_meta(f.type), wire_type(f.type)
            meaning = meta.description or ""
            if kind == "int":
                kind = f"int {meta.ge}–{meta.le}"
            if not f.required:
                bound = f", at most {meta.max_length} code points" if meta.max_length else ""
                meaning = f"{meaning.rstrip('.')}{bound}; optional, default {default_text(f)}."
            rows.append([role if i == 0 else "", f"`{f.name}`", kind, meaning])
    return md_table(["Role", "Field", "Type", "Meaning"], rows)


def close_table() -> str:
    rows = [[str(int(c)), c.meaning, c.advice] for c in CloseCode]
    return md_table(["Code", "Meaning", "Reconnect?"], rows)


def spec_tables() -> dict[str, str]:
    tables = {f"fields of {kind}": kind_table(kind) for kind in FIELD_DOCS}
    tables["feedback forms"] = forms_table()
    tables["close codes"] = close_table()
    return tables


def spec_text(current: str) -> str:
    return fill_generated(current, spec_tables(), "SPEC.md")


# ---------------------------------------------------------------- the package's module


JS_TYPES = {"int": "int", "str": "str", "bool": "bool", "map": "dict", "list": "list"}


def js_kinds() -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for kind, cls in KINDS.items():
        fields = []
        for f in msgspec.structs.fields(cls):
            entry: dict[str, Any] = {"name": f.encode_name, "type": JS_TYPES[wire_type(f.type)],
                                     "required": f.required,
                                     "nullable": base_type(f.type)[1]}
            if not f.required:
                entry["default"] = default_of(f)
            fields.append(entry)
        out[kind] = fields
    return out


def js_forms() -> dict[str, Any]:
    forms = {}
    for role, form in FORMS.items():
        private = private_fields(form)
        fields = []
        for f in msgspec.structs.fields(form):
            meta, kind = field_meta(f.type), wire_type(f.type)
            entry = {"name": f.name, "type": {"int": "score", "str": "notes"}.get(kind, kind),
                     "label": meta.title, "required": f.required,
                     "private": f.name in private}
            if (meta.extra or {}).get("help"):
                entry["help"] = meta.extra["help"]  # type: ignore[index]
            fields.append(entry)
        forms[role] = {"title": form.TITLE, "fields": fields}
    return {"scoreMin": SCORE_MIN, "scoreMax": SCORE_MAX, "scoreLabels": list(SCORE_LABELS),
            "notesMaxChars": MAX_NOTES_CHARS, "forms": forms}


def js_close_codes() -> dict[str, Any]:
    return {str(int(c)): {"name": c.name, "reconnect": c.reconnect} for c in CloseCode}


def js_value(value: Any, indent: str = "") -> str:
    """JSON, one line per innermost map (a field, a close code) so diffs stay readable."""
    inner = indent + "  "
    if isinstance(value, dict) and any(isinstance(v, dict | list) for v in value.values()):
        items = [f"{inner}{json.dumps(k)}: {js_value(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        items = [f"{inner}{js_value(v, inner)}" for v in value]
        return "[\n" + ",\n".join(items) + f"\n{indent}]"
    return json.dumps(value, ensure_ascii=False)


def js_module() -> str:
    def const(name: str, doc: str, value: Any) -> str:
        return f"/** {doc} */\nexport const {name} = {js_value(value)}\n"

    return "\n".join([
        "// Generated by protocol/gen_schema.py from protocol/collab_protocol: do not edit.",
        "// Regenerate with `python protocol/gen_schema.py` after changing the schema.\n",
        const("KINDS", "Every collabd message kind and its fields, in wire order (SPEC 8).",
              js_kinds()),
        const("CLOSE_CODES", "Every close code the server sends, and whether a client should"
              " reconnect after it (SPEC 16.2).", js_close_codes()),
        const("FEEDBACK", "The feedback form of each role (SPEC 12.3): fields in order, labels,"
              " bounds; a private field is never shown to the other side.", js_forms()),
    ])


# ---------------------------------------------------------------- the package's types

TS_TYPES = {"int": "number", "str": "string", "bool": "boolean",
            "map": "Record<string, unknown>", "list": "unknown[]"}


def ts_name(kind: str) -> str:
    """`chat.msg` -> `ChatMsg`, the interface name of a kind (`error`: not the global Error)."""
    if kind == "error":
        return "ErrorMessage"
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[._]", kind))


def ts_doc(text: str, indent: str = "") -> str:
    safe = text.replace("*/", "* /")
    return f"{indent}/** {safe} */\n" if text else ""


def ts_kind(kind: str) -> str:
    docs = FIELD_DOCS.get(kind, {})
    lines = [f"export interface {ts_name(kind)} {{", f"  t: {json.dumps(kind)}"]
    for f in msgspec.structs.fields(KINDS[kind]):
        tp = TS_TYPES[wire_type(f.type)] + (" | null" if base_type(f.type)[1] else "")
        doc = ts_doc(docs.get(f.encode_name, ""), "  ")
        lines.append(f"{doc}  {json.dumps(f.encode_name)}: {tp}")
    return "\n".join(lines) + "\n}\n"


def ts_form(role: str) -> str:
    form = FORMS[role]
    lines = [f"export interface {ts_name(role)}Form {{"]
    for f in msgspec.structs.fields(form):
        kind = TS_TYPES[wire_type(f.type)]
        lines.append(ts_doc(field_meta(f.type).title or "", "  ")
                     + f"  {f.name}{'' if f.required else '?'}: {kind}")
    return "\n".join(lines) + "\n}\n"


def ts_module() -> str:
    kinds = list(KINDS)
    union = "\n".join(f"  | {ts_name(k)}" for k in kinds)
    kind_map = "\n".join(f"  {json.dumps(k)}: {ts_name(k)}" for k in kinds)
    codes = "\n".join(f"  {c.name}: {int(c)}" for c in CloseCode)
    return "\n".join([
        "// Generated by protocol/gen_schema.py from protocol/collab_protocol: do not edit.",
        "// Regenerate with `python protocol/gen_schema.py` after changing the schema.\n",
        "/** A field of a message kind as the codec checks it. */",
        "export interface FieldSchema {\n  name: string\n  type: 'int' | 'str' | 'bool' | 'dict'"
        " | 'list'\n  required: boolean\n  nullable: boolean\n  default?: unknown\n}\n",
        "/** Every collabd message kind and its fields, in wire order (SPEC 8). */",
        "export declare const KINDS: { readonly [K in KindName]: readonly FieldSchema[] }\n",
        "/** Every close code the server sends, and whether a client should reconnect after it"
        " (SPEC 16.2). */",
        "export declare const CLOSE_CODES: { readonly [code: string]: "
        "{ name: CloseCodeName, reconnect: boolean } }\n",
        "/** The close codes by name (SPEC 16.2). */",
        f"export declare const CloseCode: {{\n{codes}\n}}\n",
        "export type CloseCodeName = keyof typeof CloseCode\n",
        "/** The feedback form of each role (SPEC 12.3). */",
        "export declare const FEEDBACK: {\n  scoreMin: number\n  scoreMax: number\n"
        "  scoreLabels: string[]\n  notesMaxChars: number\n  forms: Record<'interviewer' |"
        " 'interviewee', { title: string, fields: Array<{ name: string, type: string, label:"
        " string, required: boolean, private: boolean, help?: string }> }>\n}\n",
        *[ts_form(role) for role in FORMS],
        *[ts_kind(k) for k in kinds],
        f"/** Any collabd message (type 100), told apart by `t`. */\nexport type CollabMessage =\n"
        f"{union}\n",
        f"/** The interface of each kind, by its `t`. */\nexport interface KindMap {{\n"
        f"{kind_map}\n}}\n",
        "export type KindName = keyof KindMap\n",
    ])


def close_code_names() -> str:
    value = {c.name: int(c) for c in CloseCode}
    doc = "/** The close codes by name (SPEC 16.2). */"
    return f"{doc}\nexport const CloseCode = {js_value(value)}\n"


# ----------------------------------------------------------------


def outputs() -> dict[Path, str]:
    return {PKG_MODULE: js_module() + "\n" + close_code_names(), PKG_TYPES: ts_module(),
            SPEC: spec_text(SPEC.read_text(encoding="utf-8"))}


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path, text in outputs().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path.relative_to(ROOT))
        if not check:
            path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'stale' if check else 'wrote'}: {path}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
