"""Contact extraction on the labelled set: per-kind precision/recall, offsets, API contract."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from pipelines.enrich.contacts import extract_contacts
from tipwatch.contract import Contact

LABELLED = Path(__file__).resolve().parents[2] / "data" / "contacts" / "labelled.jsonl"
KINDS = ("phone", "email", "telegram", "whatsapp", "line", "wechat", "signal", "url",
         "facebook", "instagram", "tiktok", "btc", "eth", "trx")
MIN_PRECISION = 0.98
MIN_RECALL = 0.95


def load() -> list[dict]:
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def labelled() -> list[dict]:
    return load()


@pytest.fixture(scope="module")
def extracted(labelled: list[dict]) -> list[list[Contact]]:
    return [extract_contacts(row["text"], country=row["country"], language=row["language"]) for row in labelled]


def test_labelled_set_shape(labelled: list[dict]) -> None:
    assert len(labelled) >= 500
    languages = Counter(row["language"] for row in labelled)
    for language in ("th", "km", "my", "lo", "vi", "id", "ms", "tl", "zh", "en", "ko", "ja", "ru", "ar"):
        assert languages[language] >= 5, language
    negatives = [row for row in labelled if not row["expected"]]
    assert len(negatives) >= 80
    for row in labelled:
        assert set(row) == {"text", "country", "language", "expected", "provenance"}
        assert row["provenance"] == "written for tipwatch"
        assert all(item["kind"] in KINDS for item in row["expected"])
    kinds = Counter(item["kind"] for row in labelled for item in row["expected"])
    assert all(kinds[kind] >= 20 for kind in KINDS), kinds


def _table(tp: Counter, fp: Counter, fn: Counter) -> tuple[str, dict[str, tuple[float, float]]]:
    lines = [f"{'kind':10s} {'tp':>5s} {'fp':>4s} {'fn':>4s} {'precision':>9s} {'recall':>7s}"]
    scores: dict[str, tuple[float, float]] = {}
    for kind in KINDS:
        precision = tp[kind] / (tp[kind] + fp[kind]) if tp[kind] + fp[kind] else 1.0
        recall = tp[kind] / (tp[kind] + fn[kind]) if tp[kind] + fn[kind] else 1.0
        scores[kind] = (precision, recall)
        lines.append(f"{kind:10s} {tp[kind]:5d} {fp[kind]:4d} {fn[kind]:4d} {precision:9.3f} {recall:7.3f}")
    return "\n".join(lines), scores


def test_precision_and_recall_per_kind(labelled: list[dict], extracted: list[list[Contact]]) -> None:
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    misses: list[str] = []
    for row, contacts in zip(labelled, extracted, strict=True):
        got = {(contact.kind, contact.value) for contact in contacts}
        expected = {(item["kind"], item["value"]) for item in row["expected"]}
        for kind, _ in got & expected:
            tp[kind] += 1
        for kind, _ in got - expected:
            fp[kind] += 1
        for kind, _ in expected - got:
            fn[kind] += 1
        if got != expected:
            misses.append(f"{row['text'][:100]!r}: extra {sorted(got - expected)}, missing {sorted(expected - got)}")
    table, scores = _table(tp, fp, fn)
    report = table + "\n" + "\n".join(misses[:40])
    for kind, (precision, recall) in scores.items():
        assert precision >= MIN_PRECISION, f"{kind} precision {precision:.3f}\n{report}"
        assert recall >= MIN_RECALL, f"{kind} recall {recall:.3f}\n{report}"


def test_offsets_point_into_the_original_text(labelled: list[dict], extracted: list[list[Contact]]) -> None:
    for row, contacts in zip(labelled, extracted, strict=True):
        for contact in contacts:
            assert row["text"][contact.start:contact.end] == contact.raw, (row["text"], contact)
            assert contact.start < contact.end


def test_sorted_by_start_and_unique(extracted: list[list[Contact]]) -> None:
    for contacts in extracted:
        assert [c.start for c in contacts] == sorted(c.start for c in contacts)
        keys = [(c.kind, c.value, c.start, c.end) for c in contacts]
        assert len(keys) == len(set(keys))


def test_returns_contract_contacts_with_original_offsets() -> None:
    text = "สมัครงาน โทร ๐๘๑-๒๓๔-๕๖๗๘ หรือ ✈️ Telegram: @Thai_Jobs_2025"
    contacts = extract_contacts(text, country="TH", language="th")
    assert [(c.kind, c.value, c.raw) for c in contacts] == [
        ("phone", "+66812345678", "๐๘๑-๒๓๔-๕๖๗๘"),
        ("telegram", "thai_jobs_2025", "@Thai_Jobs_2025"),
    ]
    assert all(isinstance(c, Contact) for c in contacts)
    assert contacts[0].start == text.index("๐๘๑")


def test_messenger_number_is_also_a_phone() -> None:
    contacts = extract_contacts("WhatsApp: +855 12 345 678", language="km")
    assert {(c.kind, c.value, c.raw) for c in contacts} == {
        ("phone", "+85512345678", "+855 12 345 678"),
        ("whatsapp", "+85512345678", "+855 12 345 678"),
    }


def test_the_same_number_twice_is_reported_twice_with_its_own_span() -> None:
    text = "Call 081-234-5678 or 081-234-5678"
    contacts = extract_contacts(text, country="TH")
    assert [(c.value, c.start) for c in contacts] == [("+66812345678", 5), ("+66812345678", 21)]


def test_region_hints_country_first_then_language() -> None:
    # a Thai-language post from a Cambodian source: the Cambodian number parses with KH, the Thai one with TH
    contacts = extract_contacts("โทร 012 345 678 หรือ 089-876-5432", country="KH", language="th")
    assert [c.value for c in contacts] == ["+85512345678", "+66898765432"]


def test_without_any_hint_only_unambiguous_numbers() -> None:
    assert [c.value for c in extract_contacts("Call +66 81 234 5678")] == ["+66812345678"]
    assert extract_contacts("Call 081 234 5678") == []  # valid in Thailand and Indonesia alike


def test_empty_and_plain_text() -> None:
    assert extract_contacts("") == []
    assert extract_contacts("No contacts here, just 12 words and a date 2025-12-01.") == []


def test_input_is_not_changed() -> None:
    text = "TG @abc_def1 / WA 0812-3456-7890"
    copy = str(text)
    extract_contacts(text, country="ID", language="id")
    assert text == copy


def test_random_fragments_never_break_the_contract() -> None:
    pieces = ["0", "1", "8", "+", "(", ")", "-", ".", "/", " ", "@", "_", "t.me/", "wa.me/", "line.me/ti/p/~",
              "facebook.com/", "tiktok.com/@", "signal.me/#p/+", "http://", "www.", "gmail", "com", "at", "[dot]",
              "Telegram", "WA", "微信", "飞机", "ไลน์", "โทร", "๐", "០", "⓪", "\ufe0f\u20e3", "\u200b", "O", "l",
              "zero", "double", "一", "bc1", "0x", "T", "3", "..", "%40", "~", "#", "?id=", "profile.php", "@.",
              "：", "（", "）", "同号", "(WhatsApp)", "on Telegram"]
    rng = random.Random(3)
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 25)))
        for country, language in (("TH", "th"), (None, None)):
            for contact in extract_contacts(text, country=country, language=language):
                assert text[contact.start:contact.end] == contact.raw and contact.value, (text, contact)
