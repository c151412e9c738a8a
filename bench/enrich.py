"""Benchmark of enrichment; prints one JSON line.

- posts/s of full enrichment (language, segmentation, contacts, indicators, risk, near-duplicate
  fingerprint) versus bare ``langdetect.detect`` on the same corpus in the same run (ratio; goal
  >= 1.0), measured ``--rounds`` times alternating which side goes first: the median round;
- accuracy figures from the language dev set and the contacts labelled set;
- peak RSS of one enrichment process after enriching the corpus (goal <= 400 MB).

Corpus: the bundled demo posts (real-length adverts in ten languages), repeated to ``--posts``.
Run: ``.venv/bin/python bench/enrich.py [--posts N]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import langdetect  # noqa: E402
import yaml  # noqa: E402
from langdetect import DetectorFactory  # noqa: E402
from langdetect.lang_detect_exception import LangDetectException  # noqa: E402

from pipelines.enrich.contacts import extract_contacts  # noqa: E402
from pipelines.enrich.enricher import Enricher  # noqa: E402
from pipelines.enrich.language import detect_language  # noqa: E402
from tests.factories import make_raw  # noqa: E402

DetectorFactory.seed = 0


def corpus(count: int) -> list[str]:
    """Demo post texts repeated to ``count``."""
    data = yaml.safe_load((ROOT / "demo" / "posts.yaml").read_text(encoding="utf-8"))
    texts = [post["text"] for post in data["posts"]]
    return [texts[i % len(texts)] for i in range(count)]


def bare_langdetect(texts: list[str]) -> float:
    start = time.perf_counter()
    for text in texts:
        with contextlib.suppress(LangDetectException):  # the baseline's cost is what is measured
            langdetect.detect(text)
    return time.perf_counter() - start


def full(texts: list[str], enricher: Enricher) -> float:
    raws = [make_raw(text=text) for text in texts]
    start = time.perf_counter()
    for raw in raws:
        enricher.enrich(raw)
    return time.perf_counter() - start


def language_accuracy() -> dict[str, float]:
    rows = [json.loads(line) for line in (ROOT / "tests/data/language/dev.jsonl").read_text().splitlines() if line]
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for row in rows:
        total[row["lang"]] += 1
        right[row["lang"]] += detect_language(row["text"]).code == row["lang"]
    worst = min(right[lang] / total[lang] for lang in total)
    return {"language_dev_accuracy": round(sum(right.values()) / sum(total.values()), 4),
            "language_dev_worst_language": round(worst, 4),
            "language_dev_ms": round(right["ms"] / total["ms"], 4),
            "language_dev_id": round(right["id"] / total["id"], 4)}


def contact_figures() -> dict[str, float]:
    rows = [json.loads(line) for line in (ROOT / "tests/data/contacts/labelled.jsonl").read_text().splitlines() if line]
    tp = fp = fn = 0
    for row in rows:
        found = {(c.kind, c.value) for c in extract_contacts(row["text"], country=row.get("country"),
                                                              language=row.get("language"))}
        wanted = {(e["kind"], e["value"]) for e in row["expected"]}
        tp += len(found & wanted)
        fp += len(found - wanted)
        fn += len(wanted - found)
    return {"contacts_precision": round(tp / max(1, tp + fp), 4), "contacts_recall": round(tp / max(1, tp + fn), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5,
                        help="measurements of both sides, alternating which goes first; figures of the median round")
    args = parser.parse_args()
    texts = corpus(args.posts)
    enricher = Enricher.from_config(ROOT / "config")
    full(texts[:50], enricher)
    bare_langdetect(texts[:50])
    rounds = []
    for number in range(max(1, args.rounds)):
        if number % 2:
            full_s = full(texts, enricher)
            bare_s = bare_langdetect(texts)
        else:
            bare_s = bare_langdetect(texts)
            full_s = full(texts, enricher)
        rounds.append((bare_s / full_s, bare_s, full_s))
    ratio, bare_s, full_s = sorted(rounds)[len(rounds) // 2]
    figures: dict[str, object] = {
        "bench": "enrich", "posts": len(texts), "avg_chars": round(sum(map(len, texts)) / len(texts)),
        "langdetect_posts_per_s": round(len(texts) / bare_s), "enrich_posts_per_s": round(len(texts) / full_s),
        "ratio_vs_langdetect": round(ratio, 3), "ratios": [round(r[0], 2) for r in rounds],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    figures.update(language_accuracy())
    figures.update(contact_figures())
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
