"""Check objects against Halo's own schemas (the committed copy in halo_schema.json).

Halo publishes request schemas only, and each lists every field its object may
carry, so "is this field in the schema, with a value of the right type?" catches
invented field names and wrong types both in what the sandbox answers and in what
the client sends. Refresh the copy with `extract_schema.py`.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_FILE = Path(__file__).with_name("halo_schema.json")

_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "integer": (int,),
    "number": (int, float),
    "string": (str,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


@cache
def schemas() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text())["schemas"]


def properties(schema_name: str) -> dict[str, Any]:
    return schemas()[schema_name]["properties"]


def _type_problem(where: str, value: Any, prop: dict[str, Any]) -> list[str]:
    if value is None:
        return [] if prop.get("nullable") else [f"{where} is null, which the schema does not allow"]
    if "$ref" in prop:
        if prop["$ref"] in schemas():
            return problems(prop["$ref"], value, where)
        return []  # a schema we did not copy: the field name is all we can check
    expected = prop.get("type")
    allowed = _PYTHON_TYPES.get(expected or "")
    if allowed is None:
        return []
    # bool is an int in Python; Halo's integers are not booleans.
    if not isinstance(value, allowed) or (isinstance(value, bool) and expected != "boolean"):
        return [f"{where} is {type(value).__name__} {value!r}, the schema says {expected}"]
    if expected == "array" and isinstance(prop.get("items"), dict):
        found = []
        for i, item in enumerate(value):
            found += _type_problem(f"{where}[{i}]", item, prop["items"])
        return found
    return []


def problems(schema_name: str, obj: Any, where: str = "") -> list[str]:
    """What is wrong with `obj` as a `schema_name` object; empty when nothing is."""
    where = where or schema_name
    if not isinstance(obj, dict):
        return [f"{where} is {type(obj).__name__}, not an object"]
    props = properties(schema_name)
    found = []
    for field, value in obj.items():
        if field not in props:
            found.append(f"{where}.{field} is not a field of Halo's {schema_name} schema")
        else:
            found += _type_problem(f"{where}.{field}", value, props[field])
    return found
