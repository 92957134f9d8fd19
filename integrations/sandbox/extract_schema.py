"""Build halo_schema.json: the few Halo schemas we check against, from Halo's OpenAPI.

Halo's full OpenAPI document is large and not available in CI, so the schemas the
sandbox and the client are checked against are copied into a small committed file.
To refresh it after updating the shared subset (or a Halo instance's
/api/swagger/v2/swagger.json):

    .venv/bin/python -m integrations.sandbox.extract_schema \
        /work/shared/halo/openapi-subset.json

The copy keeps each property's type, format, nullability and the name of any schema
it references, nothing else. Referenced schemas are copied only when listed in
WANTED (a nested check needs them); the rest would be most of Halo's document.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).with_name("halo_schema.json")

# The schemas behind the replies the sandbox gives and the bodies the client sends
# (IframeTabRequestType: the items of RequestType.allowed_iframe_customtabs), plus
# Tabs and Status for the pages to come.
WANTED = [
    "Uname",
    "Faults",
    "Users",
    "RequestType",
    "IframeTabRequestType",
    "Actions",
    "Tabname",
    "TStatus",
]

KEPT_KEYS = ("type", "format", "nullable", "$ref", "items", "additionalProperties")


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _slim(prop: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in KEPT_KEYS:
        if key not in prop:
            continue
        value = prop[key]
        if key == "$ref":
            value = _ref_name(value)
        elif isinstance(value, dict):
            value = _slim(value)
        out[key] = value
    return out


def extract(openapi: dict[str, Any], wanted: list[str]) -> dict[str, Any]:
    schemas = openapi["components"]["schemas"]
    return {
        name: {
            "type": schemas[name].get("type", "object"),
            "properties": {
                field: _slim(prop)
                for field, prop in sorted(schemas[name].get("properties", {}).items())
            },
        }
        for name in sorted(wanted)
    }


def render(schemas: dict[str, Any], source: str) -> str:
    # One property a line: small diffs when Halo adds a field.
    lines = ["{", f'  "$source": {json.dumps(source)},', '  "schemas": {']
    for i, (name, schema) in enumerate(schemas.items()):
        lines.append(
            f'    {json.dumps(name)}: {{"type": {json.dumps(schema["type"])}, "properties": {{'
        )
        props = list(schema["properties"].items())
        for j, (field, prop) in enumerate(props):
            comma = "," if j < len(props) - 1 else ""
            lines.append(f"      {json.dumps(field)}: {json.dumps(prop, sort_keys=True)}{comma}")
        lines.append("    }}" + ("," if i < len(schemas) - 1 else ""))
    lines += ["  }", "}", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("openapi", type=Path, help="Halo's OpenAPI JSON document")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    openapi = json.loads(args.openapi.read_text())
    info = openapi.get("info", {})
    source = f"{info.get('title', 'Halo API')} {info.get('version', '')}".strip()
    text = render(extract(openapi, WANTED), source)
    json.loads(text)  # never write a file that does not parse
    args.output.write_text(text)
    print(f"Wrote {args.output} ({len(text) // 1024} KB)")


if __name__ == "__main__":
    main()
