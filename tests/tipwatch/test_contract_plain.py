"""``plain_validator``: a model's own rules, giving dicts; accepts and rejects exactly what the model does."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, ValidationError, model_validator

from tipwatch.contract import EnrichedPost, RawPost
from tipwatch.contract.plain import plain_validator

from .test_contract import SHA, raw_dict

ENRICHED = plain_validator(EnrichedPost, required=("schema_",))
RAW = plain_validator(RawPost)


def enriched_dict(**overrides: object) -> dict:
    """A valid enriched record on the wire."""
    return {**raw_dict(), "language": {"code": "th", "script": "Thai", "confidence": 0.97, "method": "script"},
            "text_tokens": "รับ สมัคร", "risk": {"score": 0.2, "level": "low"}, "enriched_at": "2026-11-24T10:00:01Z",
            "contacts": [{"kind": "phone", "value": "+66812345678", "raw": "081-234-5678", "start": 28, "end": 40}],
            "indicators": [{"id": "urgent", "category": "urgency_age", "evidence": ["ด่วน"]}],
            "near_duplicate": {"method": "m/1", "bands": ["00-0123456789abcdef"], "sketch": "AQAAAAAAAAA="},
            **overrides}


def model_dict(post: BaseModel) -> dict:
    """What the plain validator gives for ``post``: ``model_dump`` with the times as ``datetime``."""
    return {**post.model_dump(), **{name: getattr(post, name) for name in ("fetched_at", "published_at",
                                                                            "enriched_at") if hasattr(post, name)}}


VALID = [
    enriched_dict(),
    enriched_dict(published_at=None, author=None, title=None, near_duplicate=None),
    enriched_dict(fetched_at="2026-11-24T17:00:00.25+07:00", published_at="2026-11-23t01:02:03z"),
    {key: value for key, value in enriched_dict().items()
     if key not in ("links", "media", "text_tokens", "contacts", "indicators", "near_duplicate")},
    enriched_dict(evidence={"sha256": SHA}),
]


@pytest.mark.parametrize("record", VALID)
def test_valid_records_give_what_the_model_dumps(record: dict) -> None:
    wire = json.dumps(record, ensure_ascii=False).encode()
    plain = ENRICHED.validate_json(wire)
    assert plain == model_dict(EnrichedPost.model_validate_json(wire))
    assert plain["fetched_at"].utcoffset().total_seconds() == 0, "times become UTC, as in the model"
    assert ENRICHED.validate_python(record) == plain


INVALID = [
    {"schema": "tipwatch.post/2"},
    {"id": "not-a-hash"},
    {"fetched_at": "2026-11-24T10:00:00"},
    {"fetched_at": 1700000000},
    {"source": {"id": "x", "kind": "fax"}},
    {"source": {"id": "x", "kind": "html", "extra": 1}},
    {"evidence": {"sha256": "xyz"}},
    {"surprise": 1},
    {"text": "a\x00b"},
    {"risk": {"score": 2, "level": "low"}},
    {"contacts": [{"kind": "phone", "value": "1", "raw": "1", "start": -1, "end": 1}]},
    {"near_duplicate": {"method": "m/1", "bands": ["00-0123456789abcdef"], "sketch": "AAAA"}},
    {"language": {"code": "thai", "confidence": 0.5, "method": "x"}},
]


@pytest.mark.parametrize("change", INVALID)
def test_invalid_records_are_rejected_like_the_model_rejects_them(change: dict) -> None:
    wire = json.dumps(enriched_dict(**change)).encode()
    with pytest.raises(ValidationError):
        EnrichedPost.model_validate_json(wire)
    with pytest.raises(ValidationError):
        ENRICHED.validate_json(wire)


def test_required_drops_the_default_of_named_fields_only() -> None:
    record = {key: value for key, value in raw_dict().items() if key != "schema"}
    assert RAW.validate_python(record)["schema_"] == "tipwatch.post/1", "the model's default"
    with pytest.raises(ValidationError, match="schema"):
        ENRICHED.validate_python({key: value for key, value in enriched_dict().items() if key != "schema"})
    assert ENRICHED.validate_python(enriched_dict())["schema_"] == "tipwatch.post/1"


def test_a_model_it_cannot_honour_is_refused() -> None:
    class Checked(BaseModel):
        low: int
        high: int

        @model_validator(mode="after")
        def ordered(self) -> Checked:
            if self.low > self.high:
                raise ValueError("low above high")
            return self

    with pytest.raises(TypeError, match="cannot convert"):
        plain_validator(Checked)


def test_a_model_with_its_own_post_init_is_refused() -> None:
    class Counted(BaseModel):
        value: int

        def model_post_init(self, context: object) -> None:
            pass

    with pytest.raises(TypeError, match="cannot convert"):
        plain_validator(Counted)
