"""Every index template against the real server: installs, analyses as intended, rejects typos."""

from __future__ import annotations

import pytest
from elasticsearch import BadRequestError, Elasticsearch

from indexer.documents import post_document
from tests.indexer.fixtures import contact, enriched
from tipwatch.config import Settings
from tipwatch.contract import parse_enriched
from tipwatch.setup import install_templates, load_templates

NAMES = {"posts", "alerts", "crawls", "identifiers"}


def test_every_template_installs_with_its_alias(es: Elasticsearch, stack_settings: Settings) -> None:
    names = {template["name"] for template in load_templates()}
    assert names >= NAMES
    installed = install_templates(es, stack_settings)
    for name in NAMES:
        alias = stack_settings.index(name)
        assert installed[alias] == f"{alias}-v1"
        mapping = es.indices.get_mapping(index=alias)[f"{alias}-v1"]["mappings"]
        assert mapping["dynamic"] == "strict", name
        assert es.cluster.health(index=alias, wait_for_status="yellow", timeout="30s")["status"] in ("green", "yellow")


def _index_post(es: Elasticsearch, settings: Settings, record: dict) -> str:
    doc = post_document(parse_enriched(record))
    doc.update(first_seen=record["fetched_at"], last_seen=record["fetched_at"], cluster_id=doc["id"],
               cluster_bands=["00-0000000000000000"])
    es.index(index=settings.index("posts"), id=doc["id"], document=doc, refresh=True)
    return doc["id"]


def _ids(es: Elasticsearch, settings: Settings, query: dict) -> list[str]:
    return sorted(hit["_id"] for hit in es.search(index=settings.index("posts"), query=query)["hits"]["hits"])


def test_posts_mapping_analyses_each_script(es: Elasticsearch, stack_settings: Settings) -> None:
    thai = _index_post(es, stack_settings, enriched(
        1, language="th", script="Thai", text="รับสมัครพนักงานต้อนรับด่วน", tokens="รับ สมัคร พนักงาน ต้อนรับ ด่วน",
        title="งานด่วน", contacts=[contact("line", "job888", "@job888")]))
    english = _index_post(es, stack_settings, enriched(
        2, text="Customer-Service STAFF wanted in Sihanoukville", title="Urgent Hiring",
        contacts=[contact("phone", "+85512345678", "012 345 678")]))
    assert _ids(es, stack_settings, {"match": {"text_tokens": "พนักงาน"}}) == [thai]
    assert _ids(es, stack_settings, {"match": {"text": "พนักงาน"}}) == [], "standard keeps Thai runs whole"
    assert _ids(es, stack_settings, {"match": {"text": "staff sihanoukville"}}) == [english]
    assert _ids(es, stack_settings, {"term": {"title.keyword": "Urgent Hiring"}}) == [english]
    assert _ids(es, stack_settings, {"term": {"author.handle": "AGENT_X"}}) == sorted([thai, english])
    nested = {"nested": {"path": "contacts", "query": {"bool": {"filter": [
        {"term": {"contacts.kind": "line"}}, {"term": {"contacts.value": "job888"}}]}}}}
    assert _ids(es, stack_settings, nested) == [thai]
    assert _ids(es, stack_settings, {"term": {"contact_keys": "phone:+85512345678"}}) == [english]
    assert _ids(es, stack_settings, {"nested": {"path": "contacts", "query": {
        "term": {"contacts.key": "line:job888"}}}}) == [thai]


def test_strict_mapping_rejects_unknown_fields(es: Elasticsearch, stack_settings: Settings) -> None:
    for name, doc in (("posts", {"id": "x", "titel": "typo"}), ("alerts", {"id": "a", "sevrity": "high"}),
                      ("crawls", {"run_id": "r", "itmes": 3}), ("identifiers", {"key": "k", "post": 1})):
        with pytest.raises(BadRequestError) as caught:
            es.index(index=stack_settings.index(name), document=doc)
        assert caught.value.error == "strict_dynamic_mapping_exception", name


def test_alert_document_fits(es: Elasticsearch, stack_settings: Settings) -> None:
    """The alerts template belongs to indexer/alerts; the indexer only installs it with the others."""
    es.index(index=stack_settings.index("alerts"), id="a1", refresh=True, document={
        "id": "a1", "rule": {"name": "new-phone", "type": "new_term", "severity": "high"}, "status": "pending",
        "created_at": "2026-11-02T00:00:01Z", "keys": ["phone:+85512345678"], "attempts": 0})
    found = es.search(index=stack_settings.index("alerts"), query={"term": {"rule.name": "new-phone"}})["hits"]["hits"]
    assert [hit["_id"] for hit in found] == ["a1"]
