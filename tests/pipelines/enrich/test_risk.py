"""Risk scoring: caps, rules, contacts, levels, risk.yaml validation, genuine vs scam pairs."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import icu
import pytest

from pipelines.enrich.indicators import load_lexicon
from pipelines.enrich.risk import RiskConfig, load_risk_config, score_breakdown, score_risk
from tipwatch.config import ConfigError
from tipwatch.contract import Contact, Indicator, Risk

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "config" / "indicators"
PAIRS = ROOT / "tests" / "data" / "indicators" / "pairs.jsonl"
REQUIRED_PAIR_LANGUAGES = {"th", "km", "my", "vi", "id", "ms", "tl", "zh", "en", "lo"}

RISK_YAML = """\
levels: {medium: 0.4, high: 0.65}
categories:
  destination: {cap: 0.35}
  job_bait: {cap: 0.2}
  too_good: {cap: 0.3}
  process: {cap: 0.3}
  urgency_age: {cap: 0.1}
rules:
  - id: combo
    description: destination with job bait and too good
    require: {destination: 0.25, job_bait: 0.1, too_good: 0.1}
    floor: 0.8
contacts:
  messaging_kinds: [telegram, whatsapp]
  messaging_only: 0.1
"""
WEIGHTS = {"destination.a": 0.25, "destination.b": 0.35, "job_bait.a": 0.1, "job_bait.b": 0.15,
           "too_good.a": 0.1, "urgency_age.a": 0.05, "urgency_age.b": 0.05, "urgency_age.c": 0.05}


@pytest.fixture
def config(tmp_path: Path) -> RiskConfig:
    (tmp_path / "risk.yaml").write_text(RISK_YAML, encoding="utf-8")
    return load_risk_config(tmp_path / "risk.yaml", WEIGHTS)


def ind(indicator_id: str) -> Indicator:
    return Indicator(id=indicator_id, category=indicator_id.split(".")[0], evidence=["x"])


def contact(kind: str) -> Contact:
    return Contact(kind=kind, value="someone", raw="@someone", start=0, end=8)  # type: ignore[arg-type]


def test_no_indicators_is_zero_and_low(config: RiskConfig) -> None:
    assert score_risk([], [contact("telegram")], config) == Risk(score=0.0, level="low")


def test_categories_are_capped_and_summed(config: RiskConfig) -> None:
    breakdown = score_breakdown([ind("destination.a"), ind("destination.b"), ind("urgency_age.a")], [], config)
    assert dict(breakdown.categories) == {"destination": 0.35, "urgency_age": 0.05}
    assert breakdown.score == 0.4
    assert breakdown.level == "medium"
    assert breakdown.rules == ()
    many = [ind("urgency_age.a"), ind("urgency_age.b"), ind("urgency_age.c"), ind("job_bait.a")]
    assert score_risk(many, [], config) == Risk(score=0.2, level="low")  # urgency capped at 0.1


def test_combination_rule_lifts_to_its_floor(config: RiskConfig) -> None:
    breakdown = score_breakdown([ind("destination.a"), ind("job_bait.a"), ind("too_good.a")], [], config)
    assert breakdown.base == 0.45
    assert breakdown.rules == ("combo",)
    assert (breakdown.score, breakdown.level) == (0.8, "high")


def test_messaging_only_contacts_add_weight_only_with_indicators(config: RiskConfig) -> None:
    indicators = [ind("destination.b")]
    assert score_breakdown(indicators, [contact("telegram"), contact("whatsapp")], config).contact_bonus == 0.1
    assert score_risk(indicators, [contact("telegram")], config) == Risk(score=0.45, level="medium")
    assert score_risk(indicators, [contact("telegram"), contact("email")], config).score == 0.35
    assert score_risk(indicators, [], config).score == 0.35


def test_unknown_indicator_is_an_error(config: RiskConfig) -> None:
    with pytest.raises(ValueError, match=r"'destination\.zzz' is not in the lexicon"):
        score_risk([ind("destination.zzz")], [], config)


def test_inputs_are_not_mutated(config: RiskConfig) -> None:
    indicators = [ind("destination.a"), ind("job_bait.a")]
    contacts = [contact("telegram")]
    before = ([i.model_dump() for i in indicators], [c.model_dump() for c in contacts])
    score_risk(indicators, contacts, config)
    assert ([i.model_dump() for i in indicators], [c.model_dump() for c in contacts]) == before


@pytest.mark.parametrize(("old", "new", "line", "key", "message"), [
    ("medium: 0.4, high: 0.65", "medium: 0.7, high: 0.65", 1, "levels", "medium must be below"),
    ("  urgency_age: {cap: 0.1}\n", "", 2, "categories", "without a cap: urgency_age"),
    ("  job_bait: {cap: 0.2}", "  bait: {cap: 0.2}", 4, "categories.bait", "Input should be"),
    ("floor: 0.8", "floor: 1.5", 12, "rules.0.floor", "less than or equal to 1"),
    ("destination: 0.25, job", "destination: 0.5, job", 8, "rules", "can never fire"),
    ("[telegram, whatsapp]", "[telegram, pigeon]", 14, "contacts.messaging_kinds.1", "Input should be"),
    ("messaging_only: 0.1", "messaging_only: 0.1\n  extra: 1", 16, "contacts.extra", "unknown key"),
])
def test_risk_yaml_problems_name_line_and_key(tmp_path: Path, old: str, new: str, line: int, key: str,
                                              message: str) -> None:
    assert old in RISK_YAML
    path = tmp_path / "risk.yaml"
    path.write_text(RISK_YAML.replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_risk_config(path, WEIGHTS)
    printed = str(caught.value.problems[0])
    assert printed.startswith(f"{path}:{line}: {key}: "), printed
    assert message in printed


def test_repository_risk_config_is_valid() -> None:
    lexicon = load_lexicon(CONFIG)
    config = load_risk_config(CONFIG / "risk.yaml", lexicon.weights)
    assert config.settings.levels.medium < config.settings.levels.high
    assert {rule.id for rule in config.settings.rules} >= {"compound_recruitment"}


# --- genuine local adverts vs scam-compound adverts -------------------------------------------

def icu_tokens(text: str, language: str) -> str:
    """Words by ICU's word break iterator, lower-cased and space-separated (like ``segment``)."""
    breaker = icu.BreakIterator.createWordInstance(icu.Locale(language))
    breaker.setText(text)
    words, start = [], breaker.first()
    for end in breaker:
        if text[start:end].strip():
            words.append(text[start:end].strip().lower())
        start = end
    return " ".join(words)


def load_pairs() -> list[dict]:
    return [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_pairs_file_has_ten_languages_with_provenance() -> None:
    pairs = load_pairs()
    assert len(pairs) >= 10
    assert {pair["language"] for pair in pairs} >= REQUIRED_PAIR_LANGUAGES
    assert all(pair["provenance"].startswith("Written for tipwatch") for pair in pairs)
    assert len({pair["pair"] for pair in pairs}) == len(pairs)


@pytest.mark.parametrize("pair", load_pairs(), ids=lambda pair: pair["pair"])
def test_genuine_and_scam_adverts_land_in_different_levels(pair: dict) -> None:
    lexicon = load_lexicon(CONFIG)
    config = load_risk_config(CONFIG / "risk.yaml", lexicon.weights)
    levels = {}
    for kind in ("genuine", "scam"):
        text = pair[kind]
        indicators = lexicon.match(text, icu_tokens(text, pair["language"]), pair["language"])
        levels[kind] = score_risk(indicators, [], config).level
    assert levels == pair["expect"], textwrap.shorten(pair["scam"], 80)
