"""Indexer benchmark: ``tipwatch index`` (Kafka -> Elasticsearch) against bare ``helpers.bulk``, and
search latency for typical analyst queries. Prints one JSON line.

Run it as ``python bench/index.py`` (a thin entry point: see there). Needs the local stack
(``tipwatch stack up``). Everything it creates carries a unique prefix and is deleted at the end.
Both sides are measured ``--rounds`` times, alternating which goes first; the JSON line gives the
median round and every round's ratio.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import sys
import time
import uuid
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import orjson
from elasticsearch import Elasticsearch, helpers
from elasticsearch.serializer import OrjsonSerializer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cores import PlacementError, separate  # noqa: E402  (bench/, the script's directory)
from scratch import cleanup, with_prefix  # noqa: E402

from indexer.documents import create_action, merge_records, post_document, post_fingerprint, prepare_values  # noqa: E402
from indexer.search import PostSearch, SearchRequest  # noqa: E402
from indexer.sink import MAIN_PHASES  # noqa: E402
from indexer.worker import BATCH_SIZE, PREPARE_WORKERS, IndexReport, run_indexer  # noqa: E402
from pipelines.enrich.enricher import near_duplicate  # noqa: E402
from tipwatch.config import Settings, load_settings  # noqa: E402
from tipwatch.contract import parse_enriched, post_id  # noqa: E402
from tipwatch.es import make_client  # noqa: E402
from tipwatch.setup import create_topics, install_templates  # noqa: E402
from tipwatch.stream import Producer  # noqa: E402


def _words(text: str) -> list[str]:
    return text.split()


WORDS = {
    "en": ("Latn", True, _words("urgent hiring customer service staff online company salary monthly bonus free food "
           "accommodation visa work permit flight ticket no experience needed typing english age apply today "
           "casino driver factory worker overseas agent passport documents contract overtime dormitory border "
           "recruit job vacancy opportunity high income quick easy training provided")),
    "th": ("Thai", False, _words("รับ สมัคร พนักงาน ต้อนรับ ด่วน ทำงาน ที่ กัมพูชา เงินเดือน บาท ไม่ ต้อง มี ประสบการณ์ "
           "ที่พัก อาหาร ฟรี บริษัท ออก ค่า เดินทาง วีซ่า อายุ ปี สนใจ ติดต่อ ไลน์ โทร งาน ง่าย รายได้ ดี")),
    "km": ("Khmr", False, _words("ក្រុមហ៊ុន ត្រូវការ បុគ្គលិក សេវាកម្ម អតិថិជន បន្ទាន់ ក្រុង ព្រះសីហនុ ប្រាក់ខែ ដុល្លារ "
           "កន្លែង ស្នាក់នៅ អាហារ ឥតគិតថ្លៃ បទពិសោធន៍ ទាក់ទង តេឡេក្រាម ការងារ")),
    "zh": ("Hans", False, _words("高薪 招聘 网络 客服 工作 地点 柬埔寨 西港 月薪 美金 包吃 包住 公司 报销 机票 无需 "
           "经验 会 打字 即可 年龄 男女 不限 有意者 联系 飞机")),
    "vi": ("Latn", True, _words("tuyển gấp nhân viên chăm sóc khách hàng làm việc tại campuchia lương đô la mỗi tháng "
           "bao ăn ở công ty lo vé máy bay giấy tờ không cần kinh nghiệm liên hệ")),
    "id": ("Latn", True, _words("dibutuhkan segera operator admin perusahaan kamboja gaji dolar per bulan mess makan "
           "gratis tiket pesawat ditanggung tanpa pengalaman bisa mengetik bahasa inggris hubungi")),
}
INDICATORS = [("no-experience", "deception"), ("free-travel", "debt"), ("passport-held", "control"),
              ("high-salary", "deception"), ("cross-border", "movement")]
QUERIES = [
    SearchRequest(query="customer service"),
    SearchRequest(query="visa AND passport"),
    SearchRequest(query='"free food"'),
    SearchRequest(query="พนักงาน"),
    SearchRequest(query="招聘 AND 客服"),
    SearchRequest(query="salary", risks=("high",), languages=("en",)),
    SearchRequest(query="recruit*", sort="newest"),
    SearchRequest(contacts=("telegram:agent7",)),
    SearchRequest(query="casino OR ក្រុមហ៊ុន", since="2026-10-15", until="2026-11-01"),
    SearchRequest(sources=("source-3",), risks=("high", "medium"), sort="newest"),
]


def make_records(count: int, seed: int = 11, *, fingerprints: bool = True) -> list[dict[str, Any]]:
    """Synthetic enriched adverts in six languages; about a fifth are reposts with other contacts.

    ``fingerprints``: each record carries ``near_duplicate`` as the enricher computes it (not timed).
    """
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    for i in range(count):
        if records and rng.random() < 0.2:
            base = records[rng.randrange(len(records))]
            words, lang = base["text_tokens"].split() or base["text"].split(), base["language"]["code"]
        else:
            lang = rng.choice(list(WORDS))
            vocabulary = WORDS[lang][2]
            words = [rng.choice(vocabulary) for _ in range(rng.randint(25, 80))]
        script, spaced, _ = WORDS[lang]
        handle = f"agent{rng.randrange(5000)}"
        phone = f"+855{rng.randrange(10**7, 10**8)}"
        body = " ".join(words) if spaced else "".join(words)
        text = f"{body} {rng.randrange(300, 3000)} USD telegram @{handle} tel {phone}"
        day = 1 + i * 30 // count
        fetched = f"2026-10-{day:02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z"
        source = f"source-{rng.randrange(50)}"
        url = f"https://board.example.test/{source}/{i}"
        level = rng.choices(["low", "medium", "high"], [6, 3, 1])[0]
        chosen = rng.sample(INDICATORS, rng.randrange(0, 3))
        records.append({
            "schema": "tipwatch.post/1", "id": post_id(source, url=url),
            "source": {"id": source, "kind": "html", "country": rng.choice(["KH", "TH", "MM", "LA", "VN"])},
            "url": url, "fetched_at": fetched, "published_at": None, "author": None,
            "title": " ".join(words[:6]) if spaced else "".join(words[:4]), "text": text, "links": [], "media": [],
            "evidence": {"sha256": uuid.UUID(int=rng.getrandbits(128)).hex * 2, "warc_file": "bench.warc.gz",
                         "warc_record_id": f"<urn:uuid:{i}>", "http_status": 200, "rendered": False,
                         "screenshot": None},
            "crawl": {"job_id": "bench", "spider": "html"},
            "language": {"code": lang, "script": script, "confidence": 0.9, "method": "bench"},
            "text_tokens": "" if spaced else f"{' '.join(words)} 0 usd telegram {handle} tel {phone}",
            "contacts": [
                {"kind": "telegram", "value": handle, "raw": f"@{handle}", "start": text.index("@"),
                 "end": text.index("@") + len(handle) + 1},
                {"kind": "phone", "value": phone, "raw": phone, "start": text.index(phone),
                 "end": text.index(phone) + len(phone)},
            ],
            "indicators": [{"id": ind, "category": cat, "evidence": [words[0]]} for ind, cat in chosen],
            "risk": {"score": {"low": 0.2, "medium": 0.5, "high": 0.9}[level], "level": level},
            "enriched_at": fetched,
        })
        if fingerprints:
            post = parse_enriched(records[-1])
            records[-1]["near_duplicate"] = near_duplicate(post.text, post.text_tokens, post.contacts).model_dump()
    return records


def bulk_documents(records: list[dict[str, Any]], index: str, *, without_sketch: bool = False) -> list[dict[str, Any]]:
    """The documents the indexer writes (its own ``create`` sources, cluster fields included, each post
    its own cluster), built in memory (not timed). ``without_sketch``: the documents the earlier
    bench used (no ``cluster_sketch``/``cluster_content``), to compare with earlier figures."""
    docs = []
    if without_sketch:
        for record in records:
            post = parse_enriched(record)
            doc = post_document(post)
            doc.update(first_seen=record["fetched_at"], last_seen=record["fetched_at"], cluster_id=post.id,
                       cluster_bands=list(post_fingerprint(post).bands))
            docs.append({"_index": index, "_id": post.id, **doc})
        return docs
    for prepared in prepare_values([json.dumps(record).encode() for record in records]):
        assert not isinstance(prepared, str), prepared
        source = create_action(index, merge_records([prepared]), prepared.post_id)["_source"]
        docs.append({"_index": index, "_id": prepared.post_id, **orjson.loads(source)})
    return docs


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def search_latency(client: Elasticsearch, settings: Settings, runs: int) -> dict[str, Any]:
    """First-page latency (PIT open, search with highlights, PIT close) of each analyst query, in ms."""
    timings: list[float] = []
    per_query = {}
    if runs < 1:
        return {"search_runs": 0}
    for request in QUERIES:
        for _ in range(3):
            list(PostSearch(client, settings, request, page_size=20).hits(20))
        mine = []
        for _ in range(runs):
            started = time.perf_counter()
            list(PostSearch(client, settings, request, page_size=20).hits(20))
            mine.append((time.perf_counter() - started) * 1000)
        timings.extend(mine)
        label = request.query or ",".join(request.contacts or request.sources)
        per_query[label] = round(statistics.median(mine), 1)
    return {"search_p50_ms": round(percentile(timings, 0.5), 1), "search_p95_ms": round(percentile(timings, 0.95), 1),
            "search_runs": len(timings), "search_p50_ms_by_query": per_query}


def one_round(client: Elasticsearch, base: Settings, records: list[dict[str, Any]], args: argparse.Namespace,
              number: int) -> tuple[dict[str, Any], Settings, Settings]:
    """One measurement: bare bulk and the indexer on indices (and a topic) of their own; odd rounds run
    the indexer first, so that neither side always meets a warmer server. Figures, and both settings."""
    tag = uuid.uuid4().hex[:8]
    settings = with_prefix(base, tag)
    bare = with_prefix(base, tag + "b")
    install_templates(client, settings)
    install_templates(client, bare)
    create_topics(settings)
    started = time.perf_counter()
    with Producer(settings) as producer:
        for record in records:
            producer.send(settings.topic("posts.enriched"), value=orjson.dumps(record), key=record["id"].encode())
        producer.flush()
    produce_s = time.perf_counter() - started
    docs = bulk_documents(records, bare.index("posts"), without_sketch=args.baseline_without_sketch)

    def bulk() -> float:
        started = time.perf_counter()
        helpers.bulk(client, docs, chunk_size=base.elasticsearch.bulk_chunk_size)
        client.indices.refresh(index=bare.index("posts"))
        return time.perf_counter() - started

    def index() -> IndexReport:
        return run_indexer(settings, client=client, max_messages=len(records), idle_timeout_s=60,
                           prepare_workers=args.workers, batch_size=args.batch)

    if number % 2:
        report = index()
        bulk_s = bulk()
    else:
        bulk_s = bulk()
        report = index()
    work = {"indexer": server_work(client, settings.index("posts")), "bulk": server_work(client, bare.index("posts"))}
    client.indices.refresh(index=settings.index("posts"))
    figures = {
        "round": number, "indexer_first": bool(number % 2), "produce_s": round(produce_s, 1),
        "indexer_s": round(report.seconds, 1), "indexer_docs_per_s": round(len(records) / report.seconds),
        "bulk_s": round(bulk_s, 1), "bulk_docs_per_s": round(len(records) / bulk_s),
        "ratio": round(bulk_s / report.seconds, 2),
        "indexed": int(client.count(index=settings.index("posts"))["count"]),
        "clusters": client.search(index=settings.index("posts"), size=0, aggs={
            "c": {"cardinality": {"field": "cluster_id"}}})["aggregations"]["c"]["value"],
        "indexer_phases_s": report.phases, "indexer_other_s": round(report.seconds - sum(
            value for name, value in report.phases.items() if name in MAIN_PHASES), 1),
        "indexer_first_batch_s": round(report.loop.first_batch_s or 0.0, 2),
        "batches": report.loop.batches, "commits": report.loop.commits, "retries": report.loop.retries,
        "server_work": work,
    }
    return figures, settings, bare


def server_work(client: Elasticsearch, index: str) -> dict[str, Any]:
    """What Elasticsearch did for one side's posts index (``indices.stats``, primaries): documents
    indexed and the seconds it took, searches (the indexer's cluster candidate searches) with their
    query and fetch seconds, realtime gets (the stored-post ``mget``), refreshes, segments. Read
    before the bench's own refresh of the indexer's index."""
    stats = client.indices.stats(index=index, metric="indexing,search,get,refresh,segments")["_all"]["primaries"]
    search, get, refresh = stats["search"], stats["get"], stats["refresh"]
    return {
        "indexed": stats["indexing"]["index_total"], "index_s": stats["indexing"]["index_time_in_millis"] / 1000,
        "searches": search["query_total"], "query_s": search["query_time_in_millis"] / 1000,
        "fetch_s": search["fetch_time_in_millis"] / 1000, "gets": get["total"], "get_s": get["time_in_millis"] / 1000,
        "refreshes": refresh["total"], "refresh_s": refresh["total_time_in_millis"] / 1000,
        "segments": stats["segments"]["count"],
    }


def main() -> int:
    """Run the benchmark and print one JSON line."""
    parser = argparse.ArgumentParser(prog="bench/index.py", description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3,
                        help="measurements (bare bulk and indexer each); the figures are the median round's")
    parser.add_argument("--search-runs", type=int, default=30, help="timed runs of each query (0: no search figures)")
    parser.add_argument("--keep", action="store_true", help="keep the last round's indices and topics")
    parser.add_argument("--workers", type=int, default=PREPARE_WORKERS, help="indexer preparation processes")
    parser.add_argument("--batch", type=int, default=BATCH_SIZE, help="indexer batch size (max_poll_records)")
    parser.add_argument("--records-without-fingerprint", action="store_true",
                        help="records without near_duplicate: the indexer computes every fingerprint itself")
    parser.add_argument("--baseline-without-sketch", action="store_true",
                        help="bare bulk of the documents without cluster_sketch/cluster_content (earlier bench)")
    parser.add_argument("--es-cores", type=int, default=0,
                        help="pin the local Elasticsearch to this many CPUs and the benchmark (both sides) and "
                             "Kafka to the others, as with Elasticsearch on machines of its own (0: share them)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    base = load_settings(ROOT / "config" / "settings.yaml", environ={})
    client = make_client(base, request_timeout=120, serializer=OrjsonSerializer())  # both sides use orjson
    records = make_records(args.posts, fingerprints=not args.records_without_fingerprint)
    rounds: list[dict[str, Any]] = []
    placement: dict[str, Any] = {}
    try:
        with separate(base, args.es_cores) if args.es_cores else nullcontext(placement) as placement:
            latency = measure(client, base, records, args, rounds)
    except PlacementError as exc:
        print(f"bench/index.py: {exc}", file=sys.stderr)
        return 2
    finally:
        client.close()
    median = sorted(rounds, key=lambda figures: figures["ratio"])[len(rounds) // 2]
    result = {
        "bench": "indexer", "posts": args.posts, "cores": os.cpu_count(), **median,
        "ratios": [figures["ratio"] for figures in rounds],
        "workers": args.workers, "batch": args.batch,
        "records_carry_fingerprint": not args.records_without_fingerprint,
        "baseline_without_sketch": args.baseline_without_sketch,
        "es_cores": args.es_cores, "cpus": placement or "shared", **latency,
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


def measure(client: Elasticsearch, base: Settings, records: list[dict[str, Any]], args: argparse.Namespace,
            rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The rounds (appended to ``rounds``), then the search figures on the last round's index."""
    latency: dict[str, Any] = {}
    for number in range(max(1, args.rounds)):
        figures, settings, bare = one_round(client, base, records, args, number)
        rounds.append(figures)
        cleanup(client, [bare])
        last = number == max(1, args.rounds) - 1
        if last:
            latency = search_latency(client, settings, args.search_runs)
        if not (last and args.keep):
            cleanup(client, [settings])
    return latency
