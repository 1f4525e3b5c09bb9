"""Validate records against the JSON Schemas in schemas/ (the published message contracts)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas"
SCHEMA_FILES = {
    "raw-page": "raw-page.schema.json",
    "article": "article.schema.json",
    "reject": "reject.schema.json",
    "dead-letter": "dead-letter.schema.json",
    "duplicate": "duplicate.schema.json",
}


@functools.cache
def _registry() -> Registry:
    resources = []
    for path in SCHEMA_DIR.glob("*.schema.json"):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


@functools.cache
def validator(kind: str) -> Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / SCHEMA_FILES[kind]).read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(
        schema, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def validate(kind: str, document: Any) -> None:
    """Raise jsonschema.ValidationError if `document` breaks the `kind` contract."""
    validator(kind).validate(document)
