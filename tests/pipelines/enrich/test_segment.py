"""Word segmentation for text_tokens: known words come out as tokens in every unspaced script."""

from __future__ import annotations

import json
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pipelines.enrich.language import normalise_burmese
from pipelines.enrich.scripts import script_of
from pipelines.enrich.segment import Segmenter, segment

DEV = Path(__file__).resolve().parents[2] / "data" / "language" / "dev.jsonl"
UNSPACED = {"th": "Thai", "km": "Khmr", "lo": "Laoo", "my": "Mymr", "zh": "Hani", "ja": "Hani"}


@pytest.mark.parametrize(("text", "language", "words"), [
    ("รับสมัครพนักงานด่วน", "th", ["รับ", "สมัคร", "พนักงาน", "ด่วน"]),
    ("สมัครงานด่วน หางานทำที่กัมพูชา", "th", ["งาน", "กัมพูชา", "ด่วน"]),
    ("ក្រុមហ៊ុនយើងខ្ញុំត្រូវការបុគ្គលិកផ្នែកសេវាកម្មអតិថិជនជាបន្ទាន់", "km", ["ត្រូវការ", "បុគ្គលិក", "អតិថិជន"]),
    ("ຮັບສະໝັກພະນັກງານດ່ວນ", "lo", ["ຮັບ", "ສະໝັກ", "ພະນັກງານ", "ດ່ວນ"]),
    ("ဝန်ထမ်းအမြန်လိုအပ်သည်", "my", ["ဝန်ထမ်း", "လိုအပ်"]),
    ("我们公司在柬埔寨招聘客服人员月薪三万", "zh", ["柬埔寨", "招聘", "月薪"]),
    ("誠徵客服人員工作地點柬埔寨金邊", "zh", ["柬埔寨", "工作", "地點"]),
    ("カンボジアで高収入のお仕事を紹介します", "ja", ["カンボジア", "仕事", "紹介"]),
])
def test_known_words_are_tokens(text: str, language: str, words: list[str]) -> None:
    tokens = segment(text, language).split(" ")
    for word in words:
        assert word in tokens, (word, tokens)


def test_language_is_optional_for_dictionary_scripts() -> None:
    assert segment("รับสมัครพนักงานด่วน") == "รับ สมัคร พนักงาน ด่วน"
    assert "柬埔寨" in segment("柬埔寨西港招聘客服").split()


def test_zawgyi_is_converted_before_segmenting() -> None:
    zawgyi = "ေက်ာင္းသား လိုအပ္သည္"
    unicode_text = "ကျောင်းသား လိုအပ်သည်"
    assert segment(zawgyi, "my") == segment(unicode_text, "my")
    assert "ကျောင်းသား" in segment(zawgyi, "my").split()


def test_lower_cased_punctuation_emoji_dropped_numbers_kept() -> None:
    text = "HIRING NOW!!! Salary 1,500 USD 👉👉 (free food) — apply…"
    assert segment(text, "en") == "hiring now salary 1,500 usd free food apply"


def test_full_width_ascii_is_folded() -> None:
    assert segment("ＨＩＲＩＮＧ　ＮＯＷ　１００") == "hiring now 100"


def test_characters_outside_the_basic_plane_keep_offsets_right() -> None:
    tokens = segment("𠀋招聘 客服👍 Job").split()
    assert tokens[0] == "𠀋"
    assert "招聘" in tokens and "job" in tokens


@pytest.mark.parametrize("text", ["", "   ", "👍👍", "!!! ... ???"])
def test_nothing_to_segment(text: str) -> None:
    assert segment(text) == ""


def test_single_spaces_only_and_no_letter_lost_on_the_dev_set() -> None:
    segmenter = Segmenter()
    for line in DEV.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        tokens = segmenter.segment(record["text"], record["lang"])
        assert "  " not in tokens and tokens == tokens.strip()
        script = UNSPACED.get(record["lang"])
        if script and record["kind"] != "mixed":
            text = unicodedata.normalize("NFC", record["text"])
            if record["lang"] == "my":
                text = normalise_burmese(text)[0]
            letters = [c for c in text if script_of(c) == script]
            assert [c for c in tokens if script_of(c) == script] == letters


def test_one_segmenter_shared_by_threads() -> None:
    texts = [json.loads(line)["text"] for line in DEV.read_text(encoding="utf-8").splitlines()][::3]
    segmenter = Segmenter()
    sequential = [segmenter.segment(text) for text in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(segmenter.segment, texts))
    assert parallel == sequential
