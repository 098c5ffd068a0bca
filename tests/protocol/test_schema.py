"""The generated files (the web client's schema module, SPEC.md's tables) match the schema."""

import importlib.util
from pathlib import Path
from types import ModuleType

import msgspec

from collab_protocol import KINDS
from collab_protocol.docs import FIELD_DOCS
from collab_protocol.forms import FORMS, private_fields

ROOT = Path(__file__).resolve().parents[2]


def gen_schema() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_schema", ROOT / "protocol" / "gen_schema.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_files_are_fresh() -> None:
    stale = [str(path.relative_to(ROOT)) for path, text in gen_schema().outputs().items()
             if path.read_text(encoding="utf-8") != text]
    assert not stale, f"run `python protocol/gen_schema.py`: stale {stale}"


def test_every_field_of_every_kind_has_a_meaning() -> None:
    fields = {kind: [f.encode_name for f in msgspec.structs.fields(cls)]
              for kind, cls in KINDS.items() if msgspec.structs.fields(cls)}
    assert {kind: list(docs) for kind, docs in FIELD_DOCS.items()} == fields
    assert all(meaning.strip() for docs in FIELD_DOCS.values() for meaning in docs.values())


def test_only_the_self_assessment_is_private() -> None:
    assert {role: private_fields(form) for role, form in FORMS.items()} == {
        "interviewer": frozenset(), "interviewee": frozenset({"self_assessment"})}
