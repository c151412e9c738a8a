"""``tipwatch setup`` parts against the real servers: templates, aliases, a document round trip."""

from __future__ import annotations

import json
from pathlib import Path

from tipwatch.config import Settings
from tipwatch.es import make_client
from tipwatch.setup import install_templates

TEMPLATE = {
    "name": "posts", "version": 1,
    "template": {
        "settings": {"number_of_shards": 1, "number_of_replicas": 0},
        "mappings": {"dynamic": "strict", "properties": {
            "text": {"type": "text", "analyzer": "standard"},
            "text_tokens": {"type": "text", "analyzer": "whitespace"},
            "language": {"properties": {"code": {"type": "keyword"}}},
        }},
    },
}


def test_template_installed_and_document_searchable(stack_settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "posts.json").write_text(json.dumps(TEMPLATE))
    client = make_client(stack_settings)
    alias = stack_settings.index("posts")
    assert install_templates(client, stack_settings, tmp_path) == {alias: f"{alias}-v1"}
    assert install_templates(client, stack_settings, tmp_path) == {alias: f"{alias}-v1"}, "idempotent"
    assert client.indices.exists_index_template(name=alias)
    client.index(index=alias, id="p1", refresh=True, document={
        "text": "Urgent: customer service in Sihanoukville", "text_tokens": "รับ สมัคร พนักงาน ด่วน",
        "language": {"code": "th"}})
    hits = client.search(index=alias, query={"match": {"text_tokens": "พนักงาน"}})["hits"]["hits"]
    assert [hit["_id"] for hit in hits] == ["p1"]
    hits = client.search(index=alias, query={"query_string": {"query": "sihanoukville"}})["hits"]["hits"]
    assert [hit["_id"] for hit in hits] == ["p1"]
    mapping = client.indices.get_mapping(index=alias)
    assert mapping[f"{alias}-v1"]["mappings"]["dynamic"] == "strict"
    client.close()
