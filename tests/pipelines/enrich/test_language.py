"""Language detection: accuracy goals on the dev set, and the hard cases one by one."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import langdetect
import pytest
from langdetect.lang_detect_exception import LangDetectException

from pipelines.enrich.language import LanguageDetector, detect_language, normalise_burmese
from pipelines.enrich.language.burmese import zawgyi_probability
from pipelines.enrich.language.identifiers import LangDetect, Py3LangId
from pipelines.enrich.language.lexical import load_tiebreakers
from tipwatch.contract import Language

DEV = Path(__file__).resolve().parents[2] / "data" / "language" / "dev.jsonl"
TARGETS = {"th", "km", "my", "lo", "vi", "id", "ms", "tl", "zh", "en", "ko", "ja", "ru", "hi", "bn", "ne",
           "si", "ta", "ur", "ar"}
ZAWGYI = "ေက်ာင္းသား ဝန္ထမ္း လိုအပ္သည္။ လစာ ေကာင္းသည္။"
UNICODE_BURMESE = "ကျောင်းသား ဝန်ထမ်း လိုအပ်သည်။ လစာ ကောင်းသည်။"
KHMER_LINE = "ទូរស័ព្ទ: 012 345 678"
ENGLISH = ("Hiring customer service staff in Cambodia, salary 1500 USD, free food and housing, "
           "flight ticket provided, no experience needed.")


def load_dev() -> list[dict[str, str]]:
    return [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def dev_results() -> list[tuple[dict[str, str], Language]]:
    return [(record, detect_language(record["text"])) for record in load_dev()]


def test_dev_set_is_complete_and_well_formed() -> None:
    records = load_dev()
    counts = Counter(record["lang"] for record in records)
    assert set(counts) == TARGETS | {"und"}
    assert all(counts[lang] >= 50 for lang in TARGETS)
    assert counts["und"] >= 20
    for record in records:
        assert set(record) == {"text", "lang", "kind", "provenance"}
        assert record["kind"] in {"advert", "channel", "short", "mixed"}
        assert record["provenance"] == "written for tipwatch"
    assert len({record["text"] for record in records}) == len(records)


def test_dev_accuracy_overall_and_per_language(dev_results: list[tuple[dict[str, str], Language]]) -> None:
    hits: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for record, found in dev_results:
        seen[record["lang"]] += 1
        hits[record["lang"]] += found.code == record["lang"]
    overall = sum(hits.values()) / sum(seen.values())
    per_language = {lang: hits[lang] / seen[lang] for lang in seen}
    assert overall >= 0.98, per_language
    assert all(accuracy >= 0.95 for accuracy in per_language.values()), per_language
    assert per_language["ms"] >= 0.90 and per_language["id"] >= 0.90


def test_chinese_is_never_korean(dev_results: list[tuple[dict[str, str], Language]]) -> None:
    for record, found in dev_results:
        if record["lang"] == "zh":
            assert found.code == "zh" and found.script in ("Hans", "Hant")
        if found.code == "ko":
            assert any("\uac00" <= char <= "\ud7a3" for char in record["text"])


def test_results_are_valid_contract_objects(dev_results: list[tuple[dict[str, str], Language]]) -> None:
    for _, found in dev_results:
        assert Language.model_validate(found.model_dump()) == found
        assert 0.0 <= found.confidence <= 1.0 and found.method


@pytest.mark.parametrize("text", [
    "", "   ", "0812345678", "+855 12 345 678", "👍👍👍", "🔥🔥 💰💰 ✈️", "1️⃣ 2️⃣ 3️⃣", "...!!!",
    "https://t.me/joinchat/AbCdEf123456", "hr.team@mail.example", "@hr_asia_jobs",
    "Telegram @cs_team_pp WhatsApp +855 97 765 4321", "💵 1,500 USD 💵",
])
def test_no_letters_is_und(text: str) -> None:
    found = detect_language(text)
    assert (found.code, found.script, found.confidence, found.method) == ("und", None, 0.0, "no-letters")


def test_two_latin_letters_are_too_short() -> None:
    found = detect_language("ok 👍")
    assert (found.code, found.script, found.confidence, found.method) == ("und", "Latn", 0.0, "too-short")


def test_zawgyi_burmese_is_detected_and_converted() -> None:
    assert zawgyi_probability(ZAWGYI) > 0.95
    converted, was_zawgyi = normalise_burmese(ZAWGYI)
    assert was_zawgyi and converted == UNICODE_BURMESE
    found = detect_language(ZAWGYI)
    assert (found.code, found.script, found.method) == ("my", "Mymr", "script+zawgyi")


def test_unicode_burmese_and_other_text_are_left_alone() -> None:
    assert normalise_burmese(UNICODE_BURMESE) == (UNICODE_BURMESE, False)
    assert normalise_burmese(ENGLISH) == (ENGLISH, False)
    assert zawgyi_probability(ENGLISH) == 0.0
    assert detect_language(UNICODE_BURMESE).method == "script"


def test_shan_in_myanmar_script_is_not_burmese() -> None:
    found = detect_language("ႁပ်ႉၵူၼ်းႁဵတ်းၵၢၼ် ငိုၼ်းလိူၼ် ၶႅမ်ႉ")
    assert (found.code, found.script, found.method) == ("und", "Mymr", "script-not-burmese")


@pytest.mark.parametrize("text", [
    "招聘員工，薪資優渥，請私訊", "徵求打字員，待遇從優，歡迎詢問", "請問這份工作還有缺嗎？",
])
def test_traditional_chinese_that_langdetect_calls_korean(text: str) -> None:
    langdetect.DetectorFactory.seed = 0
    assert langdetect.detect(text) == "ko"  # the known langdetect bug this chain must avoid
    found = detect_language(text)
    assert (found.code, found.script, found.method) == ("zh", "Hant", "script")


def test_simplified_chinese() -> None:
    found = detect_language("柬埔寨西港公司招聘客服人员，月薪1500美金，包吃包住")
    assert (found.code, found.script) == ("zh", "Hans")


def test_kanji_only_japanese_listing() -> None:
    found = detect_language("高収入求人、経験不問、月給30万円")
    assert (found.code, found.script, found.method) == ("ja", "Jpan", "lexical-zh-ja")


def test_mixed_english_advert_with_khmer_phone_line() -> None:
    mixed = detect_language(f"{ENGLISH} {KHMER_LINE}")
    pure = detect_language(ENGLISH)
    assert (mixed.code, mixed.script) == ("en", "Latn")
    assert mixed.confidence < pure.confidence


def test_khmer_advert_with_english_job_title() -> None:
    found = detect_language("ក្រុមហ៊ុនត្រូវការ Sales Executive នៅភ្នំពេញ ប្រាក់ខែល្អ ផ្ញើ CV មក hr@pp.example")
    assert (found.code, found.script, found.method) == ("km", "Khmr", "script")
    assert found.confidence < detect_language("ក្រុមហ៊ុនត្រូវការបុគ្គលិកលក់នៅភ្នំពេញ ប្រាក់ខែល្អ").confidence


def test_text_that_makes_langdetect_raise() -> None:
    for text in ("ក្រុមហ៊ុនត្រូវការបុគ្គលិក", "ʻʻʻ ʼʼʼ"):
        with pytest.raises(LangDetectException):
            langdetect.detect(text)
    assert detect_language("ក្រុមហ៊ុនត្រូវការបុគ្គលិក").code == "km"
    assert LangDetect().scores("1234 5678", frozenset({"en", "id"})) == {}


def test_very_long_text() -> None:
    text = " ".join([ENGLISH] * 800)  # about 100 000 characters
    found = detect_language(text)
    assert (found.code, found.script) == ("en", "Latn")
    assert found.confidence > 0.8


def test_confidence_is_low_on_short_text_and_grows_with_length() -> None:
    short = detect_language("Gaji lumayan")
    longer = detect_language("Dicari karyawan admin online, penempatan Thailand. Gaji 1.000 USD, kontrak 1 tahun, "
                             "visa dan paspor diurus kantor. Minat langsung hubungi admin via WhatsApp.")
    assert short.confidence < 0.5 < longer.confidence
    assert longer.code == "id"


@pytest.mark.parametrize(("text", "code", "method"), [
    ("Sila hantar resume kepada kami sebelum Jumaat ini.", "ms", "lexical-ms-id"),
    ("Kak, lowongan ini masih ada? Bisa kirim infonya?", "id", "lexical-ms-id"),
    ("Magkano po ang sahod kada buwan? Interesado po ako.", "tl", "py3langid"),
    ("यो जागिर अझै उपलब्ध छ? मलाई चासो छ।", "ne", "lexical-ne-hi-mr"),
    ("क्या यह नौकरी अभी भी उपलब्ध है? मुझे रुचि है।", "hi", "lexical-ne-hi-mr"),
    ("کیا یہ نوکری ابھی بھی دستیاب ہے؟", "ur", "lexical-ur-ar"),
    ("هل هذه الوظيفة ما زالت متاحة؟", "ar", "lexical-ur-ar"),
    ("Какая зарплата в месяц?", "ru", "lexical-cyrillic"),
    ("Tuyển nhân viên chăm sóc khách hàng làm việc tại Campuchia", "vi", "py3langid"),
])
def test_close_languages_and_the_path_that_decided(text: str, code: str, method: str) -> None:
    found = detect_language(text)
    assert found.code == code
    assert method in found.method


def test_deterministic_and_thread_safe() -> None:
    texts = [record["text"] for record in load_dev()][::5]
    sequential = [detect_language(text) for text in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(detect_language, texts))
    assert parallel == sequential


def test_a_detector_with_custom_candidates() -> None:
    detector = LanguageDetector(primary=Py3LangId())
    detector.load()
    assert detector.detect(ENGLISH).code == "en"


def test_tiebreakers_file_is_valid() -> None:
    breakers = load_tiebreakers()
    assert {"ms-id", "tl-ms-id", "ne-hi-mr", "ur-ar", "cyrillic", "zh-ja"} <= set(breakers)
    assert breakers["ms-id"].languages == {"ms", "id"}
    assert breakers["tl-ms-id"].languages == {"tl", "ms", "id"}
