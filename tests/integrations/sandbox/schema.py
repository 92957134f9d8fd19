"""Check dicts against Halo's own schemas, in tests.

    from tests.integrations.sandbox.schema import assert_fields_in_schema

    assert_fields_in_schema("Actions", body[0])   # one item of a POST /Actions body
    assert_fields_in_schema("Actions", body)      # or every item of the list
    assert_fields_in_schema("Faults", ticket)     # a GET /Tickets/{id} reply

Fails naming every field that Halo's schema does not have and every value whose
type the schema does not allow (null only where the schema says nullable). The
schemas are the committed copy in integrations/sandbox/halo_schema.json.
"""

from __future__ import annotations

from typing import Any

from integrations.sandbox import schema


def assert_fields_in_schema(schema_name: str, data: dict[str, Any] | list[Any]) -> None:
    items = data if isinstance(data, list) else [data]
    found: list[str] = []
    for i, item in enumerate(items):
        where = f"{schema_name}[{i}]" if isinstance(data, list) else schema_name
        found += schema.problems(schema_name, item, where)
    assert not found, "Not as in Halo's schema:\n  " + "\n  ".join(found)
