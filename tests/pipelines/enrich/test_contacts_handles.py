"""E-mails, links and cue-announced messenger handles."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.enrich.contacts import extract_contacts
from pipelines.enrich.contacts.cues import LEXICON, load_lexicon


def found(text: str, country: str | None = None, language: str | None = None) -> set[tuple[str, str]]:
    return {(c.kind, c.value) for c in extract_contacts(text, country=country, language=language)}


@pytest.mark.parametrize("text", [
    "somchai.j@Gmail.com", "somchai.j [at] gmail [dot] com", "somchai.j(at)gmail(dot)com",
    "somchai.j @ gmail . com", "somchai.j at gmail dot com", "SOMCHAI.J AT GMAIL DOT COM",
    "somchai.j{at}gmail{dot}com", "somchai.j[@]gmail[.]com", "somchai.j＠gmail．com",
    "somchai.j แอท gmail ดอท com", "somchai.j（at）gmail（dot）com",
])
def test_email_forms(text: str) -> None:
    assert found(f"Email: {text}.") == {("email", "somchai.j@gmail.com")}


@pytest.mark.parametrize("text", [
    "meet at the office dot com", "myuser @ word more words", "price @ 5.99", "jobs@asia-hr",
    "hr at company dot com", "interview at 9.30", "jobs.asia@@gmail.com",
])
def test_not_emails(text: str) -> None:
    assert found(text) == set()


@pytest.mark.parametrize(("text", "expected"), [
    ("https://t.me/KH_Jobs_2025.", {("telegram", "kh_jobs_2025")}),
    ("t.me/s/thai_work", {("telegram", "thai_work")}),
    ("https://t.me/jobs_asia/123", {("telegram", "jobs_asia")}),
    ("tg://resolve?domain=abc_def", {("telegram", "abc_def")}),
    ("jobsasia2025.t.me", {("telegram", "jobsasia2025")}),
    ("t.me/+AbCdEf123", {("url", "t.me/+AbCdEf123")}),
    ("wa.me/66812345678", {("whatsapp", "+66812345678"), ("phone", "+66812345678")}),
    ("https://api.whatsapp.com/send?phone=85512345678&text=hi",
     {("whatsapp", "+85512345678"), ("phone", "+85512345678")}),
    ("line.me/ti/p/~somchai.job", {("line", "somchai.job")}),
    ("https://line.me/R/ti/p/@ABC123x", {("line", "abc123x")}),
    ("signal.me/#p/+66812345678", {("signal", "+66812345678"), ("phone", "+66812345678")}),
    ("facebook.com/profile.php?id=100012345678", {("facebook", "100012345678")}),
    ("https://www.facebook.com/Some.Name88/", {("facebook", "some.name88")}),
    ("https://web.facebook.com/groups/ThaiJobs/", {("facebook", "groups/thaijobs")}),
    ("m.me/jobcenter", {("facebook", "jobcenter")}),
    ("https://www.facebook.com/sharer/sharer.php?u=x", {("url", "https://www.facebook.com/sharer/sharer.php?u=x")}),
    ("instagram.com/thai.jobs_", {("instagram", "thai.jobs_")}),
    ("instagram.com/p/Cx12AbC/", {("url", "instagram.com/p/Cx12AbC/")}),
    ("https://www.tiktok.com/@Job.Hunter/video/123", {("tiktok", "job.hunter")}),
    ("vm.tiktok.com/ZSabc/", {("url", "vm.tiktok.com/ZSabc/")}),
    ("HTTPS://WWW.Example.COM/Jobs).", {("url", "https://www.example.com/Jobs")}),
    ("(see http://example.com/a_(b))", {("url", "http://example.com/a_(b)")}),
    ("recruit.co.th", {("url", "recruit.co.th")}),
    ("jobs-asia.com/apply,", {("url", "jobs-asia.com/apply")}),
])
def test_links(text: str, expected: set[tuple[str, str]]) -> None:
    assert found(text, "TH") == expected


@pytest.mark.parametrize("text", ["Node.js and ASP.NET", "e.g. the U.S.", "cv.pdf, photo.jpg", "Mr.Smith", "app.py"])
def test_not_links(text: str) -> None:
    assert found(text) == set()


@pytest.mark.parametrize(("text", "country", "language", "expected"), [
    ("Telegram: @abc_def1", None, "en", {("telegram", "abc_def1")}),
    ("✈️：@xigang_kefu", "KH", "zh", {("telegram", "xigang_kefu")}),
    ("纸飞机：@jinsanjiao_hr", "LA", "zh", {("telegram", "jinsanjiao_hr")}),
    ("เทเลแกรม @thai_jobs_2025", "TH", "th", {("telegram", "thai_jobs_2025")}),
    ("តេឡេក្រាម៖ @kh_job_center", "KH", "km", {("telegram", "kh_job_center")}),
    ("Телеграм: @rabota_asia", "RU", "ru", {("telegram", "rabota_asia")}),
    ("@jobs_asia (Telegram)", None, "en", {("telegram", "jobs_asia")}),
    ("@jobs_asia on Telegram", None, "en", {("telegram", "jobs_asia")}),
    ("TG：@abc_def 备用：@ghi_jkl", "KH", "zh", {("telegram", "abc_def"), ("telegram", "ghi_jkl")}),
    ("Line ID: somchai_88", "TH", "en", {("line", "somchai_88")}),
    ("ไลน์: @jobthai88", "TH", "th", {("line", "jobthai88")}),
    ("ไลน์ไอดี jobthai", "TH", "th", {("line", "jobthai")}),
    ("LINE ID：taro_job88", "JP", "ja", {("line", "taro_job88")}),
    ("微信：xg_hr2025", "KH", "zh", {("wechat", "xg_hr2025")}),
    ("加V信：kefu_8888 详聊", "CN", "zh", {("wechat", "kefu_8888")}),
    ("vx: hr_xigang88", "KH", "zh", {("wechat", "hr_xigang88")}),
    ("Signal username: recruiter_k.42", None, "en", {("signal", "recruiter_k.42")}),
    ("IG: @loker.asia", "ID", "id", {("instagram", "loker.asia")}),
    ("TikTok: @easy.job", None, "en", {("tiktok", "easy.job")}),
    ("WA 0812-3456-7890", "ID", "id", {("whatsapp", "+6281234567890"), ("phone", "+6281234567890")}),
    ("วอทส์แอพ +66 81 234 5678", "TH", "th", {("whatsapp", "+66812345678"), ("phone", "+66812345678")}),
    ("whatsapp 971501234567", None, "en", {("whatsapp", "+971501234567"), ("phone", "+971501234567")}),
    ("Signal: +66 81 234 5678", "TH", "en", {("signal", "+66812345678"), ("phone", "+66812345678")}),
    ("Telegram/WhatsApp: +855 97 765 4321", None, "en",
     {("telegram", "+855977654321"), ("whatsapp", "+855977654321"), ("phone", "+855977654321")}),
    ("081-234-5678 (WhatsApp/Line)", "TH", "en",
     {("phone", "+66812345678"), ("whatsapp", "+66812345678"), ("line", "+66812345678")}),
    ("联系电话：138 0013 8000（微信同号）", "CN", "zh", {("phone", "+8613800138000"), ("wechat", "+8613800138000")}),
])
def test_cued_handles(text: str, country: str | None, language: str, expected: set[tuple[str, str]]) -> None:
    assert found(text, country, language) == expected


@pytest.mark.parametrize(("text", "country", "language"), [
    ("Production line: worker needed", "TH", "en"),
    ("The signal: strong demand", None, "en"),
    ("Telegram group rules: be polite", None, "en"),
    ("Telegram: @ab", None, "en"),
    ("WhatsApp only, no calls", None, "en"),
    ("งานออนไลน์ 0812345678", "TH", "th"),  # "online" contains the LINE cue ไลน์
    ("Flight TG 668 departs 23:45", "TH", "en"),
    ("@abc_def_job is my Twitter", None, "en"),
])
def test_no_handle_without_a_real_cue(text: str, country: str | None, language: str) -> None:
    assert {kind for kind, _ in found(text, country, language)} <= {"phone"}


def test_a_handle_right_after_a_cue_wins_over_a_bare_domain() -> None:
    assert found("ไลน์ไอดี: kaew.work", "TH", "th") == {("line", "kaew.work")}
    assert found("see kaew.work for jobs") == {("url", "kaew.work")}


def test_lexicon_is_data(tmp_path: Path) -> None:
    assert LEXICON.kind_of("WhatsApp") == "whatsapp"
    assert LEXICON.kind_of("纸飞机") == "telegram"
    bad = tmp_path / "cues.yaml"
    bad.write_text("cues:\n  pager: [beep]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"cues\.pager: unknown kind"):
        load_lexicon(bad)
    bad.write_text("cues:\n  line: [line]\nnot_phone_before: [order]\ncurrency_before: [$]\n"
                   "currency_after: [baht]\nphone_prefixes: [no]\nhandle_stopwords: [x]\nweak_cues: [line]\n",
                   encoding="utf-8")
    with pytest.raises(ValueError, match="phone_prefixes must be a list of non-empty strings"):
        load_lexicon(bad)
