"""Checks a real API answer against the served OpenAPI document (collabd.api.openapi).

support.session.api calls `check` on every answer, so every REST call of the test suite is
validated against the schema: the answer's status must be documented for that operation, and
its JSON body must match the documented schema.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from collabd.api.openapi import OPENAPI


@cache
def _registry() -> Registry:
    # the whole document as one resource, so "#/components/schemas/X" resolves inside it
    return Registry().with_resource("urn:collabd-openapi", DRAFT202012.create_resource(OPENAPI))


def _in_document(schema: Any) -> Any:
    """The schema with each local $ref (at any depth) pointing into the document."""
    if isinstance(schema, dict):
        return {k: ("urn:collabd-openapi" + v if k == "$ref" and v.startswith("#") else
                    _in_document(v)) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_in_document(v) for v in schema]
    return schema


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for a schema of the document; its $refs resolve inside the document."""
    return Draft202012Validator(_in_document(schema), registry=_registry())


def operation(method: str, path: str) -> dict[str, Any]:
    path = path.split("?", 1)[0]
    for template, ops in OPENAPI["paths"].items():
        pattern = "^" + re.sub(r"\{[^/]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in ops:
            return dict(ops[method.lower()])
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


def check(method: str, path: str, status: int, body: Any) -> None:
    responses = operation(method, path)["responses"]
    documented = responses.get(str(status))
    assert documented is not None, f"{method} {path} answered {status}, not documented"
    schema = documented.get("content", {}).get("application/json", {}).get("schema")
    assert schema is not None, f"{method} {path} {status} has no JSON schema"
    errors = sorted(validator(schema).iter_errors(body), key=str)
    assert not errors, f"{method} {path} {status}: {errors[0].message} at {errors[0].json_path}"
