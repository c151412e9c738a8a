"""A rule's query: Elasticsearch query DSL or a query string, plus filters on language, risk,
source and contacts; checked by parsing (no server needed) and compiled to one ``bool`` query.

In a rule file::

    query: 'Sihanoukville OR "Preah Sihanouk"'        # query string (default operator AND)
    query: {match_phrase: {text: Sihanoukville}}      # or query DSL
    filters: {risk: high, language: [km, en], contacts: ["phone:+85512345678"]}
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from indexer.alerts.fields import FieldInfo
from indexer.alerts.querystring import check_query_string
from tipwatch.contract.models import ContactKind, RiskLevel, SourceKind

KeyPath = tuple[str | int, ...]
Finding = tuple[KeyPath, str]

QUERY_STRING_FIELDS = ("title", "text", "text_tokens")
"""Fields a query string searches when it names none (the standard and whitespace-analysed text)."""

RISK_ORDER: tuple[RiskLevel, ...] = ("low", "medium", "high")
PHONE_LIKE = frozenset({"phone", "whatsapp", "signal"})
AS_WRITTEN = frozenset({"btc", "eth", "trx", "url"})

_LEAF_FIELD_KEY = frozenset({
    "match", "match_phrase", "match_phrase_prefix", "match_bool_prefix", "term", "terms", "range",
    "prefix", "wildcard", "regexp", "fuzzy", "intervals", "span_term",
})
_FIELDS_PARAM = frozenset({"multi_match", "query_string", "simple_query_string", "combined_fields"})
_NO_FIELD = frozenset({"ids", "match_all", "match_none"})
_FORBIDDEN = {
    "script": "scripts are not available on every cluster (DESIGN.md: core features only)",
    "script_score": "scripts are not available on every cluster (DESIGN.md: core features only)",
    "function_score": "function_score is not supported in alert rules (it may need scripts)",
    "percolate": "the percolator is not available on every cluster (DESIGN.md)",
}
_META = frozenset({"boost", "_name"})


def normalise_contact(text: str) -> str:
    """``"phone:+855 12-345 678"`` -> ``"phone:+85512345678"`` (the indexer's ``contacts.key`` form)."""
    kind, sep, value = text.partition(":")
    kind = kind.strip().lower()
    value = value.strip()
    if not sep or not value:
        raise ValueError(f"{text!r} is not kind:value (e.g. phone:+85512345678, telegram:jobs_kh)")
    if kind not in ContactKind.__args__:  # type: ignore[attr-defined]
        raise ValueError(f"unknown contact kind {kind!r} (known: {', '.join(ContactKind.__args__)})")  # type: ignore[attr-defined]
    if kind in PHONE_LIKE and re.fullmatch(r"[+\d][\d\s().-]*", value):
        value = re.sub(r"[\s().-]", "", value)
        if kind == "phone" and not re.fullmatch(r"\+\d{6,15}", value):
            raise ValueError(f"phone {value!r} is not E.164 (write it as +<country code><number>)")
    elif kind not in AS_WRITTEN:
        value = value.lower().lstrip("@")
    return f"{kind}:{value}"


class Filters(BaseModel):
    """Structured filters, ANDed with the query; each list matches any of its values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    language: list[str] = Field(default_factory=list)
    """ISO 639-1 codes (``km``, ``th``, ``zh``, ``und``)."""
    risk: RiskLevel | None = None
    """Minimum risk level: ``medium`` matches medium and high."""
    min_score: float | None = Field(default=None, ge=0.0, le=1.0)
    """Minimum ``risk.score``."""
    sources: list[str] = Field(default_factory=list)
    """``source.id`` values from sources.yaml."""
    source_kinds: list[SourceKind] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    """``source.country`` (ISO 3166-1 alpha-2)."""
    contacts: list[str] = Field(default_factory=list)
    """Contact keys ``kind:value``, normalised like the enricher does (a watch-list)."""
    contact_kinds: list[ContactKind] = Field(default_factory=list)
    indicators: list[str] = Field(default_factory=list)
    """Indicator ids that must have matched."""
    indicator_categories: list[str] = Field(default_factory=list)

    @field_validator("language")
    @classmethod
    def _languages(cls, value: list[str]) -> list[str]:
        for code in value:
            if not re.fullmatch(r"[a-z]{2}|und", code):
                raise ValueError(f"{code!r} is not an ISO 639-1 code (e.g. km, th) or 'und'")
        return value

    @field_validator("countries")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        for code in value:
            if not re.fullmatch(r"[A-Z]{2}", code):
                raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 code (e.g. KH, TH)")
        return value

    @field_validator("contacts")
    @classmethod
    def _contacts(cls, value: list[str]) -> list[str]:
        return [normalise_contact(item) for item in value]


def _terms(name: str, values: Sequence[str], fields: FieldInfo) -> dict[str, Any]:
    return fields.wrap(name, {"terms": {name: list(values)}})


def filter_clauses(filters: Filters, fields: FieldInfo) -> list[dict[str, Any]]:
    """The filters as ES filter clauses (contacts and other nested fields wrapped in ``nested``)."""
    clauses: list[dict[str, Any]] = []
    simple = (
        ("language.code", filters.language), ("source.id", filters.sources),
        ("source.kind", filters.source_kinds), ("source.country", filters.countries),
        ("contacts.key", filters.contacts), ("contacts.kind", filters.contact_kinds),
        ("indicators.id", filters.indicators), ("indicators.category", filters.indicator_categories),
    )
    for name, values in simple:
        if name == "contacts.key" and fields.has("contact_keys"):
            name = "contact_keys"  # the indexer's flat copy of contacts[].key: no nested query needed
        if values:
            clauses.append(_terms(name, values, fields))
    if filters.risk:
        clauses.append({"terms": {"risk.level": list(RISK_ORDER[RISK_ORDER.index(filters.risk):])}})
    if filters.min_score is not None:
        clauses.append({"range": {"risk.score": {"gte": filters.min_score}}})
    return clauses


class RuleQuery(BaseModel):
    """The ``query`` of a rule: a query string or a DSL object (exactly one)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["string", "dsl"]
    string: str | None = None
    dsl: dict[str, Any] | None = None

    def to_es(self) -> dict[str, Any]:
        """The query as Elasticsearch query DSL."""
        if self.kind == "dsl" and self.dsl is not None:
            return self.dsl
        return {"query_string": {"query": self.string, "fields": list(QUERY_STRING_FIELDS),
                                 "default_operator": "AND"}}


def compile_query(query: RuleQuery | None, filters: Filters, fields: FieldInfo) -> dict[str, Any]:
    """The rule's whole search condition as one ``bool`` query (without ids or time ranges)."""
    must = [query.to_es()] if query else []
    return {"bool": {"must": must or [{"match_all": {}}], "filter": filter_clauses(filters, fields)}}


def parse_query(value: Any, fields: FieldInfo) -> tuple[RuleQuery | None, list[Finding]]:
    """Parse the YAML value of ``query``: (the query or None, problems with their key paths)."""
    if value is None:
        return None, []
    if isinstance(value, str):
        if not value.strip():
            return None, [(("query",), "the query string is empty (omit 'query' to match every post)")]
        found: list[Finding] = [(("query",), message) for message in check_query_string(value, fields)]
        return RuleQuery(kind="string", string=value), found
    if isinstance(value, Mapping):
        return RuleQuery(kind="dsl", dsl=dict(value)), check_dsl(value, fields, ("query",), None)
    return None, [(("query",), "expected a query string or a query DSL mapping")]


def _check_field(name: Any, fields: FieldInfo, path: KeyPath, context: str | None) -> list[Finding]:
    if not isinstance(name, str) or not name:
        return [(path, "expected a field name")]
    name = name.split("^", 1)[0]
    if "*" in name or not fields.known:
        return []
    if not fields.has(name):
        return [(path, f"unknown field {name!r} in the posts mapping")]
    nested = fields.nested_path(name)
    if nested and nested != context:
        return [(path, f"field {name!r} is inside nested {nested!r}: wrap the clause in "
                       f"{{nested: {{path: {nested}, query: …}}}} or use filters")]
    return []


def _check_many(value: Any, fields: FieldInfo, path: KeyPath, context: str | None) -> list[Finding]:
    if isinstance(value, list):
        found: list[Finding] = []
        for index, item in enumerate(value):
            found.extend(check_dsl(item, fields, (*path, index), context))
        return found
    return check_dsl(value, fields, path, context)


def _check_compound(kind: str, body: Mapping[str, Any], fields: FieldInfo, path: KeyPath,
                    context: str | None) -> list[Finding]:
    found: list[Finding] = []
    children = {"bool": ("must", "should", "filter", "must_not"), "constant_score": ("filter",),
                "dis_max": ("queries",), "boosting": ("positive", "negative")}[kind]
    for key, value in body.items():
        if key in children:
            found.extend(_check_many(value, fields, (*path, key), context))
    return found


def check_dsl(query: Any, fields: FieldInfo, path: KeyPath, context: str | None) -> list[Finding]:
    """Problems in a query DSL object: unknown query types, scripts, unknown or un-nested fields."""
    if not isinstance(query, Mapping) or len(query) != 1:
        return [(path, "a query clause is a mapping with exactly one query type, e.g. {match: {text: …}}")]
    kind, body = next(iter(query.items()))
    here = (*path, kind)
    if kind in _FORBIDDEN:
        return [(here, _FORBIDDEN[kind])]
    if not isinstance(body, Mapping):
        return [(here, f"{kind} expects a mapping")]
    if kind in ("bool", "constant_score", "dis_max", "boosting"):
        return _check_compound(kind, body, fields, here, context)
    if kind == "nested":
        nested_path = body.get("path")
        if not isinstance(nested_path, str):
            return [(here, "nested needs 'path'")]
        if fields.known and nested_path not in fields.nested:
            return [((*here, "path"), f"{nested_path!r} is not a nested field of the posts mapping")]
        return check_dsl(body.get("query"), fields, (*here, "query"), nested_path)
    if kind in _LEAF_FIELD_KEY:
        names = [key for key in body if key not in _META]
        if len(names) != 1:
            return [(here, f"{kind} names exactly one field")]
        return _check_field(names[0], fields, (*here, names[0]), context)
    if kind in _FIELDS_PARAM:
        if kind in ("multi_match", "combined_fields") and "fields" not in body:
            return [(here, f"{kind} needs 'fields'")]
        if kind == "query_string" and isinstance(body.get("query"), str):
            messages = check_query_string(body["query"], fields)
            if messages:
                return [((*here, "query"), message) for message in messages]
        found: list[Finding] = []
        for index, name in enumerate(body.get("fields", [])):
            found.extend(_check_field(name, fields, (*here, "fields", index), context))
        return found
    if kind == "exists":
        return _check_field(body.get("field"), fields, (*here, "field"), context)
    if kind in _NO_FIELD:
        return []
    return [(here, f"unknown query type {kind!r}")]
