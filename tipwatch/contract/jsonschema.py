"""The JSON Schema files generated from the models, checked into ``tipwatch/contract/schema/``.

``python -m tipwatch.contract.jsonschema`` rewrites them; a test fails when they drift.
"""

from __future__ import annotations

import json
from pathlib import Path

from tipwatch.contract.models import EnrichedPost, RawPost

SCHEMA_DIR = Path(__file__).with_name("schema")
FILES = {"post-raw.schema.json": RawPost, "post-enriched.schema.json": EnrichedPost}


def render(model: type[RawPost]) -> str:
    """The schema text of one model, stable across runs."""
    schema = model.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"tipwatch.post/1/{model.__name__}"
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write() -> list[Path]:
    """Regenerate every schema file."""
    SCHEMA_DIR.mkdir(exist_ok=True)
    written = []
    for name, model in FILES.items():
        path = SCHEMA_DIR / name
        path.write_text(render(model), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write():
        print(written_path)
