"""Script profiles: which letters count, the dominant script, Han variants."""

from __future__ import annotations

import pytest

from pipelines.enrich.scripts import (
    clean_for_language,
    dominant_script,
    han_variant,
    keep_scripts,
    profile,
    script_of,
    script_profile,
)


@pytest.mark.parametrize(("char", "script"), [
    ("a", "Latn"), ("ก", "Thai"), ("\u0e31", "Thai"), ("្", "Khmr"), ("က", "Mymr"), ("ລ", "Laoo"),
    ("අ", "Sinh"), ("한", "Hang"), ("あ", "Hira"), ("ア", "Kana"), ("漢", "Hani"), ("ж", "Cyrl"),
    ("न", "Deva"), ("ক", "Beng"), ("த", "Taml"), ("ع", "Arab"),
    ("1", None), ("๑", None), ("。", None), ("👍", None), ("ー", None), ("\u0301", None), (" ", None),
])
def test_script_of_letters_and_marks_only(char: str, script: str | None) -> None:
    assert script_of(char) == script


def test_profile_ignores_digits_punctuation_emoji_urls_emails_handles_and_platform_words() -> None:
    text = ("📞 +66 81 234 5678 👉 https://t.me/jobs_th hr.team@mail.example @hr_asia "
            "t.me/abc wa.me/6681 careers.example.com/apply WhatsApp Telegram LINE USD USDT 💰💰 1,500!!!")
    assert script_profile(text) == {}
    assert dominant_script(text) is None


def test_profile_counts_letters_and_vowel_signs() -> None:
    assert script_profile("งาน 123 ok") == {"Thai": 3, "Latn": 2}
    assert script_profile("สมัคร") == {"Thai": 5}  # ส ม ั ค ร: the vowel sign counts


@pytest.mark.parametrize(("text", "script"), [
    ("รับสมัครพนักงานด่วน", "Thai"),
    ("ត្រូវការបុគ្គលិកបន្ទាន់", "Khmr"),
    ("ဝန်ထမ်း အမြန်လိုအပ်သည်", "Mymr"),
    ("ຮັບສະໝັກພະນັກງານດ່ວນ", "Laoo"),
    ("සේවකයින් හදිසියෙන් අවශ්‍යයි", "Sinh"),
    ("급구 고객상담원 모집", "Hang"),
    ("カンボジアで高収入のお仕事", "Jpan"),
    ("柬埔寨西港招聘客服人员", "Hans"),
    ("誠徵客服人員，薪資優渥", "Hant"),
    ("Hiring customer service staff", "Latn"),
    ("Требуются операторы", "Cyrl"),
    ("तुरंत भर्ती", "Deva"),
    ("জরুরি নিয়োগ", "Beng"),
    ("அவசர ஆட்சேர்ப்பு", "Taml"),
    ("توظيف عاجل", "Arab"),
])
def test_dominant_script(text: str, script: str) -> None:
    assert dominant_script(text) == script


def test_english_advert_with_a_khmer_phone_line_is_latin() -> None:
    text = ("Hiring customer service staff in Cambodia, salary 1500 USD, free food and housing. "
            "ទូរស័ព្ទ: 012 345 678")
    prof = profile(text)
    assert prof.dominant == "Latn"
    assert prof.mixed and 0.5 < prof.share < 1.0


def test_thai_post_with_an_english_job_title_is_thai() -> None:
    prof = profile("รับสมัคร Admin Online ด่วน ทำงานที่กัมพูชา เงินเดือนดี")
    assert prof.dominant == "Thai"
    assert prof.counts["Latn"] == 11


def test_a_stray_no_in_chinese_is_not_japanese() -> None:
    assert dominant_script("台灣の美食推薦") == "Hant"
    assert dominant_script("東京の求人です") == "Jpan"


def test_han_variant() -> None:
    assert han_variant("招聘员工，薪资优厚，包吃包住") == "Hans"
    assert han_variant("招聘員工，薪資優厚，包吃包住") == "Hant"
    assert han_variant("招聘客服") == "Hans"  # nothing distinctive: Simplified by default


def test_keep_scripts_blanks_other_letters_only() -> None:
    text = "Job ការងារ 012"
    kept = keep_scripts(text, frozenset({"Latn"}))
    assert kept.split() == ["Job", "012"]
    assert len(kept) == len(text)


def test_clean_for_language_drops_controls_and_normalises() -> None:
    cleaned = clean_for_language("hello\x07 world \ud800 Tuye\u0302\u0309n")
    assert "\x07" not in cleaned and "\ud800" not in cleaned
    assert "Tuyển" in cleaned  # NFC composed


def test_profile_of_empty_text() -> None:
    prof = profile("")
    assert (prof.dominant, prof.letters, prof.share, prof.counts) == (None, 0, 0.0, {})
