"""The demo corpus, the generated site, the demo sources and the demo rules."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import phonenumbers
import pytest
import yaml
from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

import demo
from demo.build import SITE_DIR, build, differences, main
from demo.corpus import LANGUAGES, Corpus, bluesky_rkey, mastodon_status_id
from tipwatch.config.sources import SourcesFile

TARGET_REGIONS = {"TH", "KH", "MM", "LA", "VN", "ID", "MY", "PH", "CN"}
SCRIPTS = {"th": "THAI", "km": "KHMER", "lo": "LAO", "my": "MYANMAR", "zh": "CJK"}
DETECTED = {"en": {"en"}, "vi": {"vi"}, "th": {"th"}, "id": {"id"}, "ms": {"id", "ms"},
            "tl": {"tl", "en", "id"}, "zh": {"zh-cn", "zh-tw"}}
"""What langdetect may call each label (it has no Malay; Tagalog adverts mix in English)."""


def source_key(post: object) -> str:
    """One demo source per Telegram channel, else the source name."""
    channel = getattr(post, "channel", None)
    return f"telegram:{channel}" if channel else str(getattr(post, "source", ""))


def dominant_script(text: str) -> str:
    """The Unicode script name prefix most letters of ``text`` belong to."""
    names = Counter(unicodedata.name(char, "?").split()[0] for char in text if char.isalpha())
    return names.most_common(1)[0][0] if names else "?"


# --- corpus -------------------------------------------------------------------------------------------


def test_corpus_size_languages_and_labels(corpus: Corpus) -> None:
    languages = Counter(post.language for post in corpus.posts)
    scam = sum(post.scam for post in corpus.posts)
    sources = Counter(source_key(post) for post in corpus.posts)
    assert len(corpus.posts) >= 200, f"{len(corpus.posts)} posts"
    assert len(languages) >= 8 and set(languages) <= set(LANGUAGES), languages
    assert min(languages.values()) >= 15, languages
    assert 0.3 < scam / len(corpus.posts) < 0.7, f"{scam} scam of {len(corpus.posts)}"
    for language in languages:
        labels = {post.scam for post in corpus.posts if post.language == language}
        assert labels == {True, False}, f"{language}: genuine and scam posts expected, got {labels}"
    assert len(sources) == 7 and min(sources.values()) >= 20, sources


def test_language_labels_match_the_text(corpus: Corpus) -> None:
    DetectorFactory.seed = 0
    agree: dict[str, list[bool]] = defaultdict(list)
    for post in corpus.posts:
        if post.mixed_with:
            continue
        text = "\n".join(filter(None, [post.title, post.text]))
        if post.language in SCRIPTS:
            agree[post.language].append(dominant_script(text) == SCRIPTS[post.language])
        if post.language in DETECTED:
            try:
                detected = detect_langs(text)[0].lang
            except LangDetectException:
                detected = "none"
            agree[post.language].append(detected in DETECTED[post.language])
    rates = {language: sum(found) / len(found) for language, found in agree.items()}
    assert len(rates) >= 8 and min(rates.values()) >= 0.8, rates


def test_contacts_are_written_in_the_text_and_phones_are_valid(corpus: Corpus) -> None:
    for post in corpus.posts:
        digits = re.sub(r"\D", "", post.text)
        for contact in post.contacts:
            kind, _, value = contact.partition(":")
            if kind == "phone":
                number = phonenumbers.parse(value)
                assert phonenumbers.is_valid_number(number), f"{post.id}: {value} is not valid"
                assert phonenumbers.region_code_for_number(number) in TARGET_REGIONS, f"{post.id}: {value}"
                national = str(number.national_number)
                assert value[1:] in digits or ("0" + national) in digits or national in digits, \
                    f"{post.id}: {value} not written in the text"
            else:
                assert value in post.text.lower(), f"{post.id}: {contact} not written in the text"


def test_identifiers_are_shared_across_sources(corpus: Corpus) -> None:
    sources: dict[str, set[str]] = defaultdict(set)
    for post in corpus.posts:
        for contact in post.contacts:
            sources[contact].add(source_key(post))
    shared = {contact: found for contact, found in sources.items() if len(found) >= 3}
    kinds = {contact.split(":")[0] for contact in shared}
    assert len(shared) >= 10 and {"phone", "telegram"} <= kinds, sorted(shared)
    jenny = sources["telegram:vip_hr_jenny88"]
    assert {"jobboard", "telegram:kh_easyjob_center", "bluesky"} <= jenny, jenny


def test_near_duplicate_reposts_and_mixed_language_posts(corpus: Corpus) -> None:
    reposts = [post for post in corpus.posts if post.repost_of]
    assert len(reposts) >= 8
    for post in reposts:
        original = corpus.by_id[post.repost_of or ""]
        ratio = difflib.SequenceMatcher(None, original.text, post.text).ratio()
        shared = len(set(original.lines) & set(post.lines)) / len(set(original.lines) | set(post.lines))
        assert post.text != original.text and ratio > 0.7 and shared > 0.6, \
            f"{post.id} vs {original.id}: {ratio:.2f} similar, {shared:.0%} of lines shared"
        assert post.published_at > original.published_at, post.id
    mixed = [post for post in corpus.posts if post.mixed_with]
    assert len(mixed) >= 5
    for post in mixed:  # two scripts, unless both languages are written in Latin letters
        scripts = {unicodedata.name(char, "?").split()[0] for char in post.text if char.isalpha()}
        wanted = {SCRIPTS.get(language, "LATIN") for language in (post.language, post.mixed_with or "")}
        assert wanted <= scripts, f"{post.id}: {scripts}"
    assert sum(len({post.language in SCRIPTS, post.mixed_with in SCRIPTS}) == 2 for post in mixed) >= 4


def test_platform_limits_and_derived_ids(corpus: Corpus) -> None:
    for post in corpus.of("bluesky"):
        assert len(post.text) <= 300, f"{post.id}: {len(post.text)} characters (Bluesky allows 300)"
    for post in corpus.of("mastodon"):
        assert len(post.text) <= 500, f"{post.id}: {len(post.text)} characters (Mastodon allows 500)"
    masto = [mastodon_status_id(post) for post in corpus.of("mastodon")]
    assert masto == sorted(masto, key=int, reverse=True) and len(set(masto)) == len(masto)
    rkeys = [bluesky_rkey(post) for post in corpus.of("bluesky")]
    assert rkeys == sorted(rkeys, reverse=True) and all(len(rkey) == 13 for rkey in rkeys)


# --- generated site -----------------------------------------------------------------------------------


def test_site_is_in_sync_with_the_data(tmp_path: Path) -> None:
    build(tmp_path / "site")
    changed = differences(tmp_path / "site", SITE_DIR)
    assert changed == [], f"demo/site is out of date, run `python -m demo.build`: {changed[:10]}"


def test_build_check_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_build_refuses_a_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ValueError, match="not empty"):
        build(tmp_path)


def test_generated_pages_carry_no_labels() -> None:
    for path in SITE_DIR.rglob("*"):
        if path.suffix in (".html", ".json", ".xml"):
            text = path.read_text(encoding="utf-8")
            assert '"scam"' not in text and "scam:" not in text, path


# --- sources and rules --------------------------------------------------------------------------------


def test_sources_yaml_is_valid_for_any_base_url() -> None:
    text = demo.sources_for("http://127.0.0.1:8765/")
    assert demo.BASE_URL_PLACEHOLDER not in text
    sources = SourcesFile.model_validate(yaml.safe_load(text)).sources
    assert {source.kind for source in sources} == {"html", "telegram", "mastodon", "bluesky", "feed"}
    assert len(sources) == 7
    rendered = [source for source in sources if source.render]
    assert [source.id for source in rendered] == ["demo-classifieds"] and rendered[0].page_actions
    assert all((source.url or "").startswith("http://127.0.0.1:8765") for source in sources)
    with pytest.raises(ValueError, match="http"):
        demo.sources_for("127.0.0.1:8765")


def test_demo_rules_load_and_notify_through_the_environment() -> None:
    from indexer.alerts.rules import check_rules, load_rules

    assert check_rules(demo.RULES_DIR) == []
    rules = load_rules(demo.RULES_DIR)
    assert {rule.type for rule in rules} >= {"any", "frequency", "cardinality"}
    for rule in rules:
        assert {target.env for target in rule.notify if target.alerter == "apprise"} == {demo.WEBHOOK_ENV}, rule.name
        assert any(target.alerter == "log" for target in rule.notify), rule.name
