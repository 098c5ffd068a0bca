"""Write the generated parts of SCHEMA.md: the stored forms' fields (from
collab_protocol.forms and the study's STUDY_FIELDS) and the exclusion reasons (from records).

    python -m collabd.analytics.gen_doc           # rewrite SCHEMA.md's generated tables
    python -m collabd.analytics.gen_doc --check   # exit 1 if SCHEMA.md is stale

Each table sits between `<!-- generated: NAME -->` and `<!-- /generated -->`, as in SPEC.md.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import get_args

import msgspec

from collab_protocol.docs import fill_generated
from collab_protocol.forms import FORMS, field_meta, private_fields

from .records import EXCLUSION_MEANINGS, EXCLUSION_REASONS, STUDY_FIELDS

SCHEMA = Path(__file__).with_name("SCHEMA.md")


def md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def forms_table() -> str:
    rows = []
    for role, form in FORMS.items():
        private = private_fields(form)
        read = STUDY_FIELDS.get(role, {})
        for i, f in enumerate(msgspec.structs.fields(form)):
            meta, base = field_meta(f.type), get_args(f.type)[0]
            if base is int:
                kind = f"int {meta.ge}..{meta.le}"
            elif base is str:
                kind = f"str, at most {meta.max_length} code points"
            else:
                kind = base.__name__
            notes = [meta.description or ""]
            if f.name in private and "private" not in notes[0].lower():
                notes.append("Private: never shown to the other participant.")
            if not f.required:
                notes.append("Optional.")
            study = "yes" if f.name in read else ""
            rows.append([f"`{role}_form`" if i == 0 else "", f"`{f.name}`", kind, study,
                         " ".join(n for n in notes if n)])
    return md_table(["Record field", "Form field", "Type", "Study reads it", "Meaning"], rows)


def exclusions_table() -> str:
    return md_table(["reason", "meaning"],
                    [[f"`{r}`", EXCLUSION_MEANINGS[r]] for r in EXCLUSION_REASONS])


def tables() -> dict[str, str]:
    return {"stored forms": forms_table(), "exclusion reasons": exclusions_table()}


def schema_text(current: str) -> str:
    return fill_generated(current, tables(), "SCHEMA.md")


def main(argv: list[str]) -> int:
    current = SCHEMA.read_text(encoding="utf-8")
    text = schema_text(current)
    if text == current:
        return 0
    if "--check" in argv:
        print(f"stale: {SCHEMA} (run python -m collabd.analytics.gen_doc)")
        return 1
    SCHEMA.write_text(text, encoding="utf-8")
    print(f"wrote: {SCHEMA}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
