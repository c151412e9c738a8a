"""Queries and filters: parsing, contact normalisation, compilation (no server)."""

from __future__ import annotations

import pytest

from indexer.alerts.fields import FieldInfo, fields_from_template
from indexer.alerts.query import Filters, compile_query, normalise_contact, parse_query
from indexer.alerts.querystring import check_query_string

FIELDS = fields_from_template()


@pytest.mark.parametrize("query", [
    'Sihanoukville OR "Preah Sihanouk"',
    "title:(casino AND NOT hotel) OR text:visa~2",
    'text:/[0-9]{3}-[0-9]{4}/ AND risk.level:high',
    "first_seen:[2026-11-01 TO *} AND source.id:demo\\-board",
    "+salary -scam _exists_:published_at",
    "ព្រះសីហនុ OR 西港 OR text_tokens:(รับ สมัคร)",
    "title.keyword:Urgent\\ Hiring",
])
def test_valid_query_strings(query: str) -> None:
    assert check_query_string(query, FIELDS) == []


def test_field_checks_need_a_mapping() -> None:
    assert check_query_string("anything:x", FieldInfo()) == []
    assert check_query_string("anything:x", FIELDS) != []


@pytest.mark.parametrize(("written", "key"), [
    ("phone:+855 12-345 678", "phone:+85512345678"),
    ("telegram:@Jobs_KH", "telegram:jobs_kh"),
    ("email:Agent@Example.ORG", "email:agent@example.org"),
    ("btc:1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "btc:1BoatSLRHtKNngkdXEeobR76b53LETtpyT"),
    ("whatsapp:+66 81 234 5678", "whatsapp:+66812345678"),
])
def test_contacts_are_normalised_like_the_enricher(written: str, key: str) -> None:
    assert normalise_contact(written) == key


def test_filters_compile_to_one_bool_query() -> None:
    query, problems = parse_query("casino", FIELDS)
    assert problems == []
    filters = Filters(language=["km", "en"], risk="medium", min_score=0.5, sources=["demo"],
                      contacts=["telegram:@Agent"], contact_kinds=["telegram"], indicators=["debt-bondage"])
    compiled = compile_query(query, filters, FIELDS)
    assert compiled["bool"]["must"] == [{"query_string": {
        "query": "casino", "fields": ["title", "text", "text_tokens"], "default_operator": "AND"}}]
    assert compiled["bool"]["filter"] == [
        {"terms": {"language.code": ["km", "en"]}},
        {"terms": {"source.id": ["demo"]}},
        {"terms": {"contact_keys": ["telegram:agent"]}},
        {"nested": {"path": "contacts", "query": {"terms": {"contacts.kind": ["telegram"]}}}},
        {"terms": {"indicators.id": ["debt-bondage"]}},
        {"terms": {"risk.level": ["medium", "high"]}},
        {"range": {"risk.score": {"gte": 0.5}}},
    ]


def test_no_query_matches_everything_the_filters_allow() -> None:
    assert compile_query(None, Filters(), FIELDS) == {"bool": {"must": [{"match_all": {}}], "filter": []}}
