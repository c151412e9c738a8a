"""Parsing wire bytes into records, with errors that name the field and the reason."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from tipwatch.contract.errors import ContractError
from tipwatch.contract.models import SCHEMA, EnrichedPost, RawPost

_M = TypeVar("_M", bound=BaseModel)


def _load(data: bytes | str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(data, dict):
        return data
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ContractError([("<message>", f"not UTF-8: {exc.reason} at byte {exc.start}")]) from exc
    try:
        value = json.loads(data)
    except json.JSONDecodeError as exc:
        raise ContractError([("<message>", f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]) from exc
    if not isinstance(value, dict):
        raise ContractError([("<message>", f"expected a JSON object, got {type(value).__name__}")])
    return value


def _validate(model: type[_M], data: bytes | str | dict[str, Any]) -> _M:
    value = _load(data)
    schema = value.get("schema")
    if schema != SCHEMA:
        raise ContractError([("schema", f"expected {SCHEMA!r}, got {schema!r}")])
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        problems = [
            (".".join(str(part) for part in err["loc"]) or "<record>", err["msg"]) for err in exc.errors()
        ]
        raise ContractError(problems) from exc


def parse_raw(data: bytes | str | dict[str, Any]) -> RawPost:
    """Validate a raw record; raises ContractError naming each bad field."""
    return _validate(RawPost, data)


def parse_enriched(data: bytes | str | dict[str, Any]) -> EnrichedPost:
    """Validate an enriched record; raises ContractError naming each bad field."""
    return _validate(EnrichedPost, data)
