"""Phone numbers: digit scripts, obfuscations, region hints and the numbers that are not phones."""

from __future__ import annotations

import pytest

from pipelines.enrich.contacts import extract_contacts
from pipelines.enrich.contacts.digits import digit_view
from pipelines.enrich.contacts.normalise import fold, rewrite
from pipelines.enrich.contacts.regions import region_hints


def phones(text: str, country: str | None = None, language: str | None = None) -> list[tuple[str, str]]:
    return [(c.value, c.raw) for c in extract_contacts(text, country=country, language=language) if c.kind == "phone"]


@pytest.mark.parametrize(("text", "country", "value"), [
    ("๐๘๑-๒๓๔-๕๖๗๘", "TH", "+66812345678"),  # Thai
    ("០១២ ៣៤៥ ៦៧៨", "KH", "+85512345678"),  # Khmer
    ("໐໒໐ ໕໕໕ ໑໒໓໔໕", "LA", "+8562055512345"),  # Lao
    ("၀၉ ၂၅၀ ၁၂၃ ၄၅၆", "MM", "+959250123456"),  # Burmese
    ("٠٥٠ ١٢٣ ٤٥٦٧", "AE", "+971501234567"),  # Arabic-Indic
    ("۰۵۰ ۱۲۳ ۴۵۶۷", "AE", "+971501234567"),  # Eastern Arabic-Indic
    ("＋６０ １２-３４５ ６７８９", "MY", "+60123456789"),  # full-width, full-width plus
    ("𝟎𝟖𝟏 𝟐𝟑𝟒 𝟓𝟔𝟕𝟖", "TH", "+66812345678"),  # mathematical bold
    ("0️⃣8️⃣1️⃣2️⃣3️⃣4️⃣5️⃣6️⃣7️⃣8️⃣", "TH", "+66812345678"),  # keycaps
    ("⓪⑧①②③④⑤⑥⑦⑧", "TH", "+66812345678"),  # circled
    ("⓪❽❶❷❸❹❺❻❼❽", "TH", "+66812345678"),  # negative circled
])
def test_digit_scripts(text: str, country: str, value: str) -> None:
    assert phones(f"โทร {text} ค่ะ", country) == [(value, text)]


@pytest.mark.parametrize(("text", "country", "value"), [
    ("zero eight one two three four five six seven eight", "TH", "+66812345678"),
    ("oh nine one seven one two three four five six seven", "PH", "+639171234567"),
    ("zero eight double one, triple two, three four five", "TH", "+66811222345"),
    ("Zero Eight One 234 5678", "TH", "+66812345678"),
    ("ศูนย์แปดหนึ่งสองสามสี่ห้าหกเจ็ดแปด", "TH", "+66812345678"),
    ("kosong satu dua tiga empat lima enam tujuh lapan sembilan", "MY", "+60123456789"),
    ("一三八零零一三八零零零", "CN", "+8613800138000"),
    ("08l-234-567O", "TH", "+66812345670"),
    ("O8I 234 5678", "TH", "+66812345678"),
    ("0 8 1 2 3 4 5 6 7 8", "TH", "+66812345678"),
    ("081.234.5678", "TH", "+66812345678"),
    ("081 - 234 - 5678", "TH", "+66812345678"),
    ("081*234*5678", "TH", "+66812345678"),
    ("081_234_5678", "TH", "+66812345678"),
    ("0812\u200b345\u200b678", "TH", "+66812345678"),
    ("(081) 234-5678", "TH", "+66812345678"),
    ("(+66) 81 234 5678", "TH", "+66812345678"),
    ("+66 (0)81 234 5678", "TH", "+66812345678"),
    ("0066 81 234 5678", "TH", "+66812345678"),
    ("0066812345678", None, "+66812345678"),
    ("+ 66 81 234 5678", None, "+66812345678"),
    ("8 (912) 345-67-89", "RU", "+79123456789"),
])
def test_obfuscations(text: str, country: str | None, value: str) -> None:
    assert phones(f"Tel: {text} !", country) == [(value, text)]


def test_several_numbers_in_one_run() -> None:
    assert [v for v, _ in phones("081-234-5678/089-999-9999", "TH")] == ["+66812345678", "+66899999999"]
    assert [v for v, _ in phones("081 234 5678 089 999 9999", "TH")] == ["+66812345678", "+66899999999"]
    assert [v for v, _ in phones("(+855) 12 345 678 / 097 123 4567", "KH")] == ["+85512345678", "+855971234567"]


@pytest.mark.parametrize("text", [
    "฿25,000", "25,000 บาท", "salary 8000-12000 USD", "age 18-35", "12/05/2025", "2025-05-12", "01.12.2025",
    "years 2024 2025 2026", "Order #0812345678", "order no. 0812345678", "เลขบัญชี 081-2-34567-8",
    "ORD0812345678", "0812345678k", "Invoice INV0812345678", "ID 0898765432", "ISBN 978-3-16-148410-0",
    "8000-12000", "15000-20000", "09:00-18:00", "1,000,000", "0812345678%", "$0812345678",
])
def test_not_phones(text: str) -> None:
    assert phones(text, "TH", "th") == []


def test_cue_wins_over_an_earlier_order_word() -> None:
    assert phones("สั่งซื้อสินค้า โทร 089-876-5432", "TH") == [("+66898765432", "089-876-5432")]


def test_letters_glued_to_a_cue_are_allowed() -> None:
    assert phones("WA0812-3456-7890", "ID") == [("+6281234567890", "0812-3456-7890")]
    assert phones("Tel0812345678", "TH") == [("+66812345678", "0812345678")]


def test_region_hints() -> None:
    assert region_hints("kh", "th") == ("KH", "TH")
    assert region_hints(None, "ms") == ("MY",)
    assert region_hints(None, "en") == ()
    assert region_hints("ZZ", "zh-Hant") == ("CN",)
    assert region_hints("TH", "th") == ("TH",)


def test_fold_maps_back_to_the_original() -> None:
    text = "a0️⃣b\u200bc"
    view = fold(text)
    assert view.text == "a0bc"
    assert view.span(1, 2) == (1, 4)  # the keycap belongs to its digit
    assert text[slice(*view.span(0, len(view.text)))] == text


def test_digit_view_maps_words_back() -> None:
    text = "call zero eight one two three four five six seven eight now"
    view = digit_view(text)
    assert "0 8 1 2 3 4 5 6 7 8" in view.text
    start = view.text.index("0 8")
    assert text[slice(*view.span(start, start + 19))] == "zero eight one two three four five six seven eight"


def test_ordinary_words_are_not_numbers() -> None:
    assert digit_view("one or two people, the first one").text == "one or two people, the first one"
    assert digit_view("Hello world, lol 2025").text == "Hello world, lol 2025"


def test_rewrite_rejects_overlapping_edits() -> None:
    with pytest.raises(ValueError, match="overlapping"):
        rewrite("abcdef", [(0, 3, "x"), (2, 4, "y")])
