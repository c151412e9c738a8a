"""Reproduce the figures of docs/enrichment/language.md (not a test; run by hand).

    .venv/bin/python tests/data/language/evaluate.py [--flores DIR] [--speed]

Prints accuracy per language of the detection chain and of each identifier alone (py3langid on
all its languages, langdetect, pycld2 if installed) on dev.jsonl and, with ``--flores``, on the
FLORES-200 devtest files (whole sentences, first 40 and first 15 characters); with ``--speed``,
posts per second of ``detect_language`` and of bare ``langdetect.detect`` on dev.jsonl.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

import langdetect
from langdetect.lang_detect_exception import LangDetectException
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from pipelines.enrich.language import LanguageDetector, detect_language
from pipelines.enrich.language.identifiers import Scores

DEV = Path(__file__).with_name("dev.jsonl")
FLORES = {
    "khm_Khmr": "km", "mya_Mymr": "my", "lao_Laoo": "lo", "sin_Sinh": "si", "npi_Deva": "ne",
    "zsm_Latn": "ms", "ind_Latn": "id", "tgl_Latn": "tl", "tha_Thai": "th", "vie_Latn": "vi",
    "zho_Hans": "zh", "zho_Hant": "zh", "eng_Latn": "en", "kor_Hang": "ko", "jpn_Jpan": "ja",
    "rus_Cyrl": "ru", "hin_Deva": "hi", "ben_Beng": "bn", "tam_Taml": "ta", "urd_Arab": "ur",
    "arb_Arab": "ar",
}
Detect = Callable[[str], str]
langdetect.DetectorFactory.seed = 0


def chain(text: str) -> str:
    """The tipwatch chain."""
    return detect_language(text).code


def bare_langdetect(text: str) -> str:
    """langdetect alone (zh-cn/zh-tw → zh; exception → und)."""
    try:
        return langdetect.detect(text).split("-")[0]
    except LangDetectException:
        return "und"


_P3 = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def bare_py3langid(text: str) -> str:
    """py3langid alone, all languages, abstaining below 0.5 (digits only → zxx → und)."""
    code, prob = _P3.classify(text)
    return "und" if code == "zxx" or prob < 0.5 else code


def bare_pycld2(text: str) -> str:
    """pycld2 alone (zh-Hant → zh, un → und)."""
    import pycld2

    try:
        _, _, details = pycld2.detect(text)
    except pycld2.error:
        return "und"
    code = details[0][1].split("-")[0]
    return "und" if code in ("un", "xx") else {"iw": "he", "fil": "tl"}.get(code, code)


class Pycld2Identifier:
    """pycld2 as the chain's primary identifier: its top-3 answer restricted to the candidates."""

    name = "pycld2"

    def scores(self, text: str, candidates: frozenset[str]) -> Scores:
        """Percentages of the candidates among pycld2's three best languages."""
        import pycld2

        try:
            _, _, details = pycld2.detect(text, bestEffort=True)
        except pycld2.error:
            return {}
        found: Scores = {}
        for _, code, percent, _ in details:
            lang = {"iw": "he", "fil": "tl"}.get(code.split("-")[0], code.split("-")[0])
            if lang in candidates and percent > 0:
                found[lang] = found.get(lang, 0.0) + float(percent)
        total = sum(found.values())
        return {lang: p / total for lang, p in found.items()} if total else {}


def accuracy(rows: Iterable[tuple[str, str]], detect: Detect) -> tuple[dict[str, float], float, float]:
    """Accuracy per language, overall accuracy, and seconds spent in ``detect``."""
    hits: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    spent = 0.0
    for text, lang in rows:
        start = time.perf_counter()
        found = detect(text)
        spent += time.perf_counter() - start
        seen[lang] += 1
        hits[lang] += found == lang
    per = {lang: 100.0 * hits[lang] / seen[lang] for lang in sorted(seen)}
    return per, 100.0 * sum(hits.values()) / sum(seen.values()), spent


def table(title: str, rows: list[tuple[str, str]], detectors: dict[str, Detect]) -> None:
    """Print one Markdown table: languages × detectors."""
    results = {name: accuracy(rows, fn) for name, fn in detectors.items()}
    langs = sorted({lang for _, lang in rows})
    print(f"\n### {title} ({len(rows)} texts)\n")
    print("| lang | " + " | ".join(results) + " |")
    print("|---|" + "---|" * len(results))
    for lang in langs:
        print(f"| {lang} | " + " | ".join(f"{results[n][0][lang]:.1f}" for n in results) + " |")
    print("| **all** | " + " | ".join(f"**{results[n][1]:.1f}**" for n in results) + " |")
    print("| ms/text | " + " | ".join(f"{1000 * results[n][2] / len(rows):.3f}" for n in results) + " |")


def main() -> None:
    """Command line entry."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--flores", type=Path, help="directory with FLORES-200 <code>.devtest files")
    parser.add_argument("--speed", action="store_true", help="posts/s of detect_language vs langdetect")
    args = parser.parse_args()
    detectors: dict[str, Detect] = {"tipwatch": chain, "py3langid": bare_py3langid, "langdetect": bare_langdetect}
    try:
        import pycld2  # noqa: F401

        detectors["pycld2"] = bare_pycld2
        with_cld2 = LanguageDetector(primary=Pycld2Identifier())
        detectors["tipwatch-with-pycld2"] = lambda text: with_cld2.detect(text).code
    except ImportError:
        pass
    chain("warm up")
    bare_langdetect("warm up")
    dev = [(r["text"], r["lang"]) for r in map(json.loads, DEV.read_text(encoding="utf-8").splitlines())]
    table("dev.jsonl", dev, detectors)
    by_kind: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for record in map(json.loads, DEV.read_text(encoding="utf-8").splitlines()):
        by_kind[record["kind"]].append((record["text"], record["lang"]))
    for kind, rows in sorted(by_kind.items()):
        print(f"kind {kind}: tipwatch {accuracy(rows, chain)[1]:.1f}% of {len(rows)}")
    if args.flores:
        rows = []
        for name, lang in FLORES.items():
            lines = (args.flores / f"{name}.devtest").read_text(encoding="utf-8").splitlines()
            rows.extend((line, lang) for line in lines if line.strip())
        for cut in (None, 40, 15):
            cut_rows = [(text[:cut] if cut else text, lang) for text, lang in rows]
            table(f"FLORES-200 devtest{f', first {cut} characters' if cut else ''}", cut_rows, detectors)
    if args.speed:
        texts = [text for text, _ in dev]
        for name, fn in (("detect_language", chain), ("langdetect.detect", bare_langdetect)):
            start = time.perf_counter()
            for _ in range(3):
                for text in texts:
                    fn(text)
            elapsed = time.perf_counter() - start
            print(f"{name}: {3 * len(texts) / elapsed:.0f} posts/s")


if __name__ == "__main__":
    main()
