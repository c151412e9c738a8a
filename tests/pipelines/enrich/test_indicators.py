"""Indicator lexicons: validation with file/line/key, and script-aware matching."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pipelines.enrich.indicator_schema import CATEGORIES
from pipelines.enrich.indicators import MAX_EVIDENCE, Lexicon, load_lexicon
from tipwatch.config import ConfigError

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "config" / "indicators"
CORE_LANGUAGES = {"th", "km", "my", "lo", "vi", "id", "ms", "tl", "zh", "en"}


def lexicon_from(tmp_path: Path, body: str, name: str = "test.yaml") -> Lexicon:
    """A lexicon built from one YAML file written into ``tmp_path``."""
    (tmp_path / name).write_text(textwrap.dedent(body), encoding="utf-8")
    return load_lexicon(tmp_path)


def problems_of(tmp_path: Path, body: str) -> list[str]:
    """The ConfigError problems (as printed) for one lexicon file."""
    with pytest.raises(ConfigError) as caught:
        lexicon_from(tmp_path, body)
    return [str(problem) for problem in caught.value.problems]


def found(lexicon: Lexicon, text: str, tokens: str = "", language: str = "en") -> dict[str, list[str]]:
    """Indicator id -> evidence."""
    return {hit.id: hit.evidence for hit in lexicon.match(text, tokens, language)}


SMALL = """
indicators:
  - id: destination.test
    category: destination
    weight: 0.3
    description: test
    terms:
      en: [Cambodia, Sihanoukville]
      ko: [캄보디아*]
      th: [ปอยเปต, ลาว, กัมพูชา, พม่า]
      zh: [西港, 柬埔寨]
    exclude:
      th: [แรงงานพม่า]
    except_languages: [km]
  - id: too_good.test
    category: too_good
    weight: 0.2
    description: test
    terms:
      en: [USDT, no experience, no experience needed]
      th: [ฟรีอาหาร]
    patterns:
      - '月[薪入]\\s*\\d+\\s*万'
"""


# --- the repository's lexicon ------------------------------------------------------------------

def test_repository_lexicon_loads_and_covers_every_category_and_language() -> None:
    lexicon = load_lexicon(CONFIG)
    for category in CATEGORIES:
        specs = [spec for spec in lexicon.specs if spec.category == category]
        assert specs, category
        languages = {language for spec in specs for language, terms in spec.terms.items() if terms}
        assert languages >= CORE_LANGUAGES, (category, sorted(CORE_LANGUAGES - languages))
    assert all(0 < weight <= 1 for weight in lexicon.weights.values())
    assert lexicon.weights["destination.cambodia_hub"] == 0.35


def test_repository_lexicon_finds_the_named_places_in_their_own_scripts() -> None:
    lexicon = load_lexicon(CONFIG)
    cases = [
        ("柬埔寨西港", "柬埔寨 西港", "zh", {"destination.cambodia", "destination.cambodia_hub"}),
        ("ไปทำงานที่ปอยเปต", "ไป ทำงาน ที่ ปอย เปต", "th", {"destination.cambodia_hub"}),
        ("ធ្វើការនៅក្រុងព្រះសីហនុ", "ធ្វើការ នៅ ក្រុង ព្រះសីហនុ", "km", {"destination.cambodia_hub"}),
        ("မြဝတီတွင်", "မြ ဝ တီ တွင်", "my", {"destination.myanmar_hub"}),
        ("Làm việc tại Campuchia", "làm việc tại campuchia", "vi", {"destination.cambodia"}),
        ("Kerja di Kamboja", "kerja di kamboja", "id", {"destination.cambodia"}),
    ]
    for text, tokens, language, expected in cases:
        assert expected <= set(found(lexicon, text, tokens, language)), text


# --- validation --------------------------------------------------------------------------------

def test_unknown_key_is_reported_with_file_line_and_key(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, """\
        indicators:
          - id: destination.x
            category: destination
            weight: 0.2
            description: x
            terms: {en: [Cambodia]}
            colour: red
        """)
    assert problems == [f"{tmp_path / 'test.yaml'}:7: indicators.0.colour: unknown key"]


@pytest.mark.parametrize(("field", "value", "line", "key", "message"), [
    ("category", "bait", 3, "indicators.0.category", "Input should be"),
    ("weight", "2", 4, "indicators.0.weight", "less than or equal to 1"),
    ("weight", "0", 4, "indicators.0.weight", "greater than 0"),
    ("weight", "'0.3'", 4, "indicators.0.weight", "valid number"),
    ("terms", "{xx: [Cambodia]}", 6, "indicators.0.terms.xx", "Input should be"),
    ("terms", "{en: ['']}", 6, "indicators.0.terms.en.0", "shorter than two characters"),
    ("terms", "{en: [' Cambodia']}", 6, "indicators.0.terms.en.0", "leading or trailing spaces"),
    ("terms", "{en: ['Cam*bodia']}", 6, "indicators.0.terms.en.0", "may only end a term"),
    ("terms", "{zh: ['柬埔寨*']}", 6, "indicators.0.terms.zh.0", "for spaced scripts"),
    ("terms", "{en: [Cambodia, CAMBODIA]}", 2, "indicators.0", "duplicate terms in en: cambodia"),
    ("terms", "{}", 2, "indicators.0", "at least one term or pattern"),
])
def test_bad_values_name_the_line_and_key(tmp_path: Path, field: str, value: str, line: int, key: str,
                                          message: str) -> None:
    fields = {"category": "destination", "weight": "0.2", "description": "x", "terms": "{en: [Cambodia]}"}
    fields[field] = value
    body = "indicators:\n  - id: destination.x\n" + "".join(
        f"    {name}: {text}\n" for name, text in fields.items())
    problems = problems_of(tmp_path, body)
    assert len(problems) == 1, problems
    prefix = f"{tmp_path / 'test.yaml'}:{line}: {key}: "
    assert problems[0].startswith(prefix), problems[0]
    assert message in problems[0]


@pytest.mark.parametrize(("pattern", "message"), [
    ("(a+)+b", "nested repetition"),
    ("(?:x|y)*z", "nested repetition"),
    ("(\\d{2})\\1", "backreferences"),
    ("a*", "matches empty text"),
    ("(unclosed", "invalid regular expression"),
])
def test_unsafe_or_broken_patterns_are_rejected(tmp_path: Path, pattern: str, message: str) -> None:
    body = ("indicators:\n  - id: urgency_age.x\n    category: urgency_age\n    weight: 0.1\n"
            f"    description: x\n    patterns:\n      - '{pattern}'\n")
    problems = problems_of(tmp_path, body)
    assert problems[0].startswith(f"{tmp_path / 'test.yaml'}:7: indicators.0.patterns.0: ")
    assert message in problems[0]


def test_bounded_patterns_are_accepted(tmp_path: Path) -> None:
    lexicon = lexicon_from(tmp_path, """\
        indicators:
          - id: too_good.x
            category: too_good
            weight: 0.1
            description: x
            patterns: ['(?:USD|\\$)\\s?\\d{1,3}(?:,\\d{3}){0,2}', '(?:ab)+c', '(?-i:U)\\d+']
        """)
    assert found(lexicon, "pay $1,500,000 now") == {"too_good.x": ["$1,500,000"]}


def test_id_must_belong_to_its_category_and_be_unique_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "indicators:\n  - {id: process.x, category: process, weight: 0.1, description: x, terms: {en: [visa]}}\n",
        encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        "indicators:\n  - {id: process.x, category: process, weight: 0.1, description: x, terms: {en: [visa]}}\n"
        "  - {id: process.y, category: job_bait, weight: 0.1, description: x, terms: {en: [typist]}}\n",
        encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_lexicon(tmp_path)
    printed = [str(problem) for problem in caught.value.problems]
    assert printed[0].startswith(f"{tmp_path / 'b.yaml'}:3: indicators.1: ")
    assert "must start with its category 'job_bait.'" in printed[0]
    assert len(printed) == 1  # b.yaml failed validation as a whole, so its duplicate is not reached
    (tmp_path / "b.yaml").write_text(
        "indicators:\n  - {id: process.x, category: process, weight: 0.1, description: x, terms: {en: [visa]}}\n",
        encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_lexicon(tmp_path)
    assert str(caught.value) == (f"{tmp_path / 'b.yaml'}:2: indicators.0.id: duplicate indicator id "
                                 f"'process.x' (first in {tmp_path / 'a.yaml'}:2)")


def test_missing_or_empty_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="indicator directory not found"):
        load_lexicon(tmp_path / "nope")
    (tmp_path / "risk.yaml").write_text("levels: {}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no lexicon files"):
        load_lexicon(tmp_path)


# --- matching: spaced scripts ------------------------------------------------------------------

def test_spaced_terms_match_whole_words_case_insensitively_as_written(tmp_path: Path) -> None:
    lexicon = lexicon_from(tmp_path, SMALL)
    assert found(lexicon, "Work in CAMBODIA, now") == {"destination.test": ["CAMBODIA"]}
    assert found(lexicon, "Cambodian food festival") == {}
    assert found(lexicon, "Sihanoukvilleans and Cambodia") == {"destination.test": ["Cambodia"]}
    assert found(lexicon, "Sihanoukville2026") == {"destination.test": ["Sihanoukville"]}  # letter|digit
    assert found(lexicon, "paid in 1000USDT") == {"too_good.test": ["USDT"]}


def test_star_lets_the_word_continue_and_evidence_is_the_whole_word(tmp_path: Path) -> None:
    lexicon = lexicon_from(tmp_path, SMALL)
    assert found(lexicon, "캄보디아에서 일할 사람", language="ko") == {"destination.test": ["캄보디아에서"]}


def test_a_hit_inside_a_longer_hit_of_the_same_indicator_is_not_repeated(tmp_path: Path) -> None:
    lexicon = lexicon_from(tmp_path, SMALL)
    assert found(lexicon, "No experience needed. no experience")["too_good.test"] == [
        "No experience needed", "no experience"]


def test_latin_terms_match_inside_unspaced_text(tmp_path: Path) -> None:
    lexicon = lexicon_from(tmp_path, SMALL)
    assert found(lexicon, "ไปทำงานCambodiaด่วน", "ไป ทำงาน cambodia ด่วน", "th") == {
        "destination.test": ["Cambodia"]}


# --- matching: unspaced scripts ----------------------------------------------------------------

def test_short_unspaced_term_needs_token_boundaries(tmp_path: Path) -> None:
    lexicon = lexicon_from(tmp_path, SMALL)
    assert found(lexicon, "广西港口招聘", "广西 港口 招聘", "zh") == {}
    assert found(lexicon, "去西港工作", "去 西港 工作", "zh") == {"destination.test": ["西港"]}
    assert found(lexicon, "ลาวาไหล", "ลาวา ไหล", "th") == {}
    assert found(lexicon, "ไปลาวเลย", "ไป ลาว เลย", "th") == {"destination.test": ["ลาว"]}
    assert found(lexicon, "去西港工作", "", "zh") == {}  # no tokens: short terms cannot be placed


def test_unspaced_term_may_span_tokens_but_not_a_gap_in_the_text(tmp_path: Path) -> None:
    lexicon = lexicon_from(tmp_path, SMALL)
    assert found(lexicon, "ทำงานที่ปอยเปต", "ทำงาน ที่ ปอย เปต", "th") == {"destination.test": ["ปอยเปต"]}
    assert found(lexicon, "ที่พักฟรี อาหารฟรี", "ที่ พัก ฟรี อาหาร ฟรี", "th") == {}
    assert found(lexicon, "ฟรีอาหาร", "ฟรี อาหาร", "th") == {"too_good.test": ["ฟรีอาหาร"]}


def test_long_unspaced_terms_also_match_as_substrings(tmp_path: Path) -> None:
    lexicon = lexicon_from(tmp_path, SMALL)
    # a segmenter that glued the name to its neighbours still finds the long terms
    assert found(lexicon, "ไปกัมพูชาเลย", "ไปกัมพูชาเลย", "th") == {"destination.test": ["กัมพูชา"]}
    assert found(lexicon, "在柬埔寨工作", "在柬埔寨工作", "zh") == {"destination.test": ["柬埔寨"]}


def test_invisible_characters_do_not_split_terms(tmp_path: Path) -> None:
    lexicon = lexicon_from(tmp_path, SMALL)
    assert found(lexicon, "ไปกัมพู\u200bชา", "ไป กัมพู ชา", "th") == {"destination.test": ["กัมพูชา"]}
    assert found(lexicon, "Cam\u00adbodia") == {"destination.test": ["Cambodia"]}


def test_tokens_that_do_not_align_with_the_text_are_matched_directly(tmp_path: Path) -> None:
    # Zawgyi text is converted to Unicode in text_tokens only; the tokens then carry the match
    lexicon = lexicon_from(tmp_path, SMALL)
    assert found(lexicon, "\u1000\u103b\u1031\u102c\u1004\u1039", "ไป ลาว", "my") == {"destination.test": ["ลาว"]}


# --- exclusions, languages, patterns -----------------------------------------------------------

def test_exclude_phrase_cancels_the_hit_it_contains(tmp_path: Path) -> None:
    lexicon = lexicon_from(tmp_path, SMALL)
    assert found(lexicon, "รับแรงงานพม่า", "รับ แรงงาน พม่า", "th") == {}
    assert found(lexicon, "รับแรงงานพม่า ไปทำงานพม่า", "รับ แรงงาน พม่า ไป ทำงาน พม่า", "th") == {
        "destination.test": ["พม่า"]}


def test_except_languages_skips_the_indicator(tmp_path: Path) -> None:
    lexicon = lexicon_from(tmp_path, SMALL)
    assert found(lexicon, "Cambodia", language="km") == {}
    assert found(lexicon, "Cambodia", language="und") == {"destination.test": ["Cambodia"]}


def test_patterns_match_numbers_in_any_digits(tmp_path: Path) -> None:
    lexicon = load_lexicon(CONFIG)
    hits = found(lexicon, "月薪3万，18-35岁", "月薪 3 万 ， 18 - 35 岁", "zh")
    assert hits["too_good.high_salary"] == ["月薪3万"]
    assert hits["urgency_age.age_range"] == ["18-35岁"]
    hits = found(lexicon, "อายุ ๑๘-๓๕ ปี", "อายุ ๑๘ - ๓๕ ปี", "th")
    assert hits["urgency_age.age_range"] == ["อายุ ๑๘-๓๕"]
    assert "too_good.usd_salary" not in found(lexicon, "Salary S$2,400", "salary s$ 2,400")


def test_evidence_is_capped_and_results_follow_lexicon_order(tmp_path: Path) -> None:
    lexicon = load_lexicon(CONFIG)
    text = " ".join(f"age {18 + n}-{40 + n}" for n in range(MAX_EVIDENCE + 5))
    hits = lexicon.match(f"Cambodia typist {text}", "", "en")
    assert [hit.id for hit in hits] == ["destination.cambodia", "job_bait.typist_data_entry",
                                        "urgency_age.age_range"]
    assert len(hits[-1].evidence) == MAX_EVIDENCE


def test_thousands_of_hits_of_one_indicator_keep_nesting_and_exclusions(tmp_path: Path) -> None:
    lexicon = lexicon_from(tmp_path, SMALL)
    repeated = "No experience needed, no experience. รับแรงงานพม่า ไปทำงานพม่า " * 5000
    tokens = "no experience needed , no experience . รับ แรงงาน พม่า ไป ทำงาน พม่า " * 5000
    hits = found(lexicon, repeated, tokens, "th")
    assert hits == {"too_good.test": ["No experience needed", "no experience"], "destination.test": ["พม่า"]}
    assert found(lexicon, "รับแรงงานพม่า " * 5000, "รับ แรงงาน พม่า " * 5000, "th") == {}, "every hit excluded"
