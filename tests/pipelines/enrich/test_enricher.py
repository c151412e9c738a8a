"""The enricher: stage composition with recording fakes, then the real stages end to end."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pipelines.enrich.enricher import Enricher, EnrichmentError
from pipelines.enrich.indicators import load_lexicon
from pipelines.enrich.risk import load_risk_config
from tests.factories import make_raw
from tipwatch.contract import Contact, EnrichedPost, Language, parse_enriched
from tipwatch.fingerprint import METHOD, Fingerprint, fingerprint

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "config"
PAIRS = ROOT / "tests" / "data" / "indicators" / "pairs.jsonl"
COUNTRY = {"th": "TH", "km": "KH", "my": "MM", "lo": "LA", "vi": "VN", "id": "ID", "ms": "MY",
           "tl": "PH", "zh": "CN", "en": "SG", "ko": "KR"}
TEXT = "Customer service in Sihanoukville, Cambodia. High salary, free flight. Telegram @jobs_example"


class Stages:
    """Fake stages that record how they were called."""

    def __init__(self, code: str = "en") -> None:
        self.code = code
        self.calls: list[tuple[str, Any]] = []

    def detect_language(self, text: str) -> Language:
        self.calls.append(("language", text))
        return Language(code=self.code, script="Latn", confidence=0.9, method="fake")

    def segment(self, text: str, language: str | None) -> str:
        self.calls.append(("segment", (text, language)))
        return " ".join(text.lower().split())

    def extract_contacts(self, text: str, *, country: str | None = None,
                         language: str | None = None) -> list[Contact]:
        self.calls.append(("contacts", (text, country, language)))
        at = text.find("@jobs_example")
        if at < 0:
            return []
        return [Contact(kind="telegram", value="jobs_example", raw="@jobs_example", start=at, end=at + 13)]


def fake_enricher(stages: Stages) -> Enricher:
    lexicon = load_lexicon(CONFIG / "indicators")
    risk = load_risk_config(CONFIG / "indicators" / "risk.yaml", lexicon.weights)
    return Enricher(lexicon, risk, detect_language=stages.detect_language, segment=stages.segment,
                    extract_contacts=stages.extract_contacts)


def test_enrich_runs_every_stage_with_the_right_inputs() -> None:
    stages = Stages()
    raw = make_raw(TEXT, title="URGENT HIRING", country="KH")
    before = raw.model_dump()
    started = datetime.now(UTC)
    post = fake_enricher(stages).enrich(raw)

    assert stages.calls == [
        ("language", f"URGENT HIRING\n{TEXT}"),
        ("segment", (TEXT, "en")),
        ("segment", ("URGENT HIRING", "en")),
        ("contacts", (TEXT, "KH", "en")),
    ]
    assert isinstance(post, EnrichedPost)
    assert raw.model_dump() == before
    assert post.model_dump(include=set(before)) == before
    assert post.language.code == "en"
    assert post.text_tokens == " ".join(TEXT.lower().split())
    assert [c.value for c in post.contacts] == ["jobs_example"]
    found = {i.id: i.evidence for i in post.indicators}
    assert found["urgency_age.urgent"] == ["URGENT HIRING"]  # from the title
    assert found["destination.cambodia_hub"] == ["Sihanoukville"]
    assert (post.risk.level, post.risk.score) == ("high", 0.9)  # 0.35 + 0.1 + 0.3 + 0.05 + telegram-only 0.1
    assert started <= post.enriched_at <= datetime.now(UTC)
    expected = fingerprint(post.text, post.text_tokens, [{"raw": c.raw, "value": c.value} for c in post.contacts])
    assert post.near_duplicate is not None and post.near_duplicate.method == METHOD
    assert Fingerprint.carried(post.near_duplicate) is not None
    assert post.near_duplicate.bands == list(expected.bands) and post.near_duplicate.sketch == expected.encoded()


def test_enriched_record_round_trips_through_the_contract() -> None:
    post = fake_enricher(Stages()).enrich(make_raw(TEXT))
    wire = json.loads(post.to_json())
    assert wire["schema"] == "tipwatch.post/1"
    assert parse_enriched(post.to_json()) == post


def test_undetermined_language_passes_none_to_the_stages() -> None:
    stages = Stages(code="und")
    post = fake_enricher(stages).enrich(make_raw("Cambodia typist"))
    assert ("segment", ("Cambodia typist", None)) in stages.calls
    assert ("contacts", ("Cambodia typist", None, None)) in stages.calls
    assert {i.id for i in post.indicators} == {"destination.cambodia", "job_bait.typist_data_entry"}


def test_a_failing_stage_becomes_an_enrichment_error_naming_it() -> None:
    stages = Stages()

    def broken(text: str, **kwargs: Any) -> list[Contact]:
        raise KeyError("region")

    enricher = Enricher(fake_enricher(stages).lexicon, fake_enricher(stages).risk,
                        detect_language=stages.detect_language, segment=stages.segment,
                        extract_contacts=broken)
    with pytest.raises(EnrichmentError) as caught:
        enricher.enrich(make_raw(TEXT))
    assert caught.value.stage == "contacts"
    assert str(caught.value) == "contacts: KeyError: 'region'"
    assert isinstance(caught.value, RuntimeError)  # the consumer dead-letters RuntimeError


# --- the real stages ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher.from_config(CONFIG)


def load_pairs() -> list[dict]:
    return [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("pair", load_pairs(), ids=lambda pair: pair["pair"])
def test_real_enricher_separates_genuine_and_scam_adverts(enricher: Enricher, pair: dict) -> None:
    levels = {}
    for kind in ("genuine", "scam"):
        post = enricher.enrich(make_raw(pair[kind], country=COUNTRY[pair["language"]]))
        assert post.language.code == pair["language"], (kind, post.language)
        assert post.text_tokens.strip()
        levels[kind] = post.risk.level
    assert levels == pair["expect"]


def test_real_enricher_reads_unspaced_text_through_tokens(enricher: Enricher) -> None:
    post = enricher.enrich(make_raw("广西港口招聘仓库管理员，月薪6000元", country="CN"))
    assert post.language.code == "zh"
    assert " " in post.text_tokens
    assert "destination.cambodia_hub" not in {i.id for i in post.indicators}  # 西港 inside 广西港口
    post = enricher.enrich(make_raw("西港急招客服，月入过万，飞机联系", country="CN"))
    assert {"destination.cambodia_hub", "job_bait.customer_service", "too_good.high_salary"} <= {
        i.id for i in post.indicators}


def test_real_enricher_scores_a_zawgyi_advert_like_its_unicode_original(enricher: Enricher) -> None:
    import icu

    [pair] = [pair for pair in load_pairs() if pair["pair"] == "my-1"]
    zawgyi = icu.Transliterator.createInstance("my-Zawgyi").transliterate(pair["scam"])
    assert zawgyi != pair["scam"]
    unicode_post = enricher.enrich(make_raw(pair["scam"], country="MM"))
    zawgyi_post = enricher.enrich(make_raw(zawgyi, country="MM"))
    assert zawgyi_post.language.code == "my"
    assert zawgyi_post.risk.level == "high"
    assert {i.id for i in zawgyi_post.indicators} == {i.id for i in unicode_post.indicators}
