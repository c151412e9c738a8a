"""Rendering search hits and identifier reports: a rich table for people, JSON lines for scripts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import IO, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from indexer.identifiers import IdentifierReport, IdentifierSummary
from indexer.search import MARK_CLOSE, MARK_OPEN, Hit

RISK_STYLE = {"high": "bold red", "medium": "yellow", "low": "green"}


def marked_text(fragment: str, style: str = "bold reverse") -> Text:
    """A highlighted fragment as rich Text (markers become a style)."""
    text = Text()
    rest = fragment
    while MARK_OPEN in rest:
        before, _, after = rest.partition(MARK_OPEN)
        marked, _, rest = after.partition(MARK_CLOSE)
        text.append(before)
        text.append(marked, style=style)
    text.append(rest)
    return text


def _get(source: Mapping[str, Any], dotted: str) -> Any:
    value: Any = source
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def hit_json(hit: Hit) -> dict[str, Any]:
    """One hit for ``--json``: the post's main fields and ``<em>``-marked highlights."""
    source = hit.source
    return {
        "id": hit.id, "score": hit.score, "url": source.get("url"), "title": source.get("title"),
        "source": _get(source, "source.id"), "country": _get(source, "source.country"),
        "language": _get(source, "language.code"), "risk": source.get("risk"),
        "first_seen": source.get("first_seen"), "last_seen": source.get("last_seen"),
        "published_at": source.get("published_at"), "contacts": source.get("contact_keys", []),
        "indicators": [indicator.get("id") for indicator in source.get("indicators", [])],
        "cluster_id": source.get("cluster_id"),
        "highlights": {name: [f.replace(MARK_OPEN, "<em>").replace(MARK_CLOSE, "</em>") for f in fragments]
                       for name, fragments in hit.highlights.items()},
    }


def write_json_lines(hits: Iterable[Hit], stream: IO[str]) -> int:
    """One JSON object per hit per line; the number written."""
    count = 0
    for hit in hits:
        stream.write(json.dumps(hit_json(hit), ensure_ascii=False) + "\n")
        count += 1
    return count


def hits_table(hits: Iterable[Hit]) -> tuple[Table, int]:
    """The hits as a table (and how many rows it has)."""
    table = Table(show_lines=True, expand=True)
    table.add_column("first seen", no_wrap=True, min_width=10, max_width=10)
    table.add_column("lang/risk", min_width=9, max_width=9)
    table.add_column("source · contacts", overflow="fold", min_width=14, max_width=26)
    table.add_column("post", ratio=1, min_width=30)
    rows = 0
    for hit in hits:
        source = hit.source
        level = str(_get(source, "risk.level") or "")
        post = Text()
        if source.get("title"):
            post.append(str(source["title"]) + "\n", style="bold")
        post.append_text(marked_text(hit.snippet()))
        post.append(f"\n{source.get('url', '')}", style="dim")
        where = Text(str(_get(source, "source.id") or ""), style="bold")
        contacts = source.get("contact_keys") or []
        for key in contacts[:4]:
            where.append(f"\n{key}")
        if len(contacts) > 4:
            where.append(f"\n+{len(contacts) - 4} more", style="dim")
        lang_risk = Text(f"{_get(source, 'language.code') or ''}\n")
        lang_risk.append(level, style=RISK_STYLE.get(level, ""))
        table.add_row(str(source.get("first_seen") or "")[:10], lang_risk, where, post)
        rows += 1
    return table, rows


def print_report(report: IdentifierReport, console: Console) -> None:
    """One identifier's network, readable."""
    seen = f"seen {report.first_seen or '?'} … {report.last_seen or '?'}"
    console.print(Text(report.key, style="bold"), f"— {report.posts} posts, {len(report.sources)} sources, "
                  f"{report.clusters} near-duplicate clusters, {seen}")
    summary = Table(show_header=True, box=None)
    for name in ("sources", "countries", "languages", "risk levels"):
        summary.add_column(name)
    columns = [report.sources, report.countries, report.languages, report.risk_levels]
    for i in range(max((len(c) for c in columns), default=0)):
        summary.add_row(*(f"{c[i][0]} ({c[i][1]})" if i < len(c) else "" for c in columns))
    console.print(summary)
    if report.cooccurring:
        co = Table(title="co-occurring identifiers", show_header=True)
        co.add_column("identifier")
        co.add_column("shared posts", justify="right")
        for key, posts in report.cooccurring:
            co.add_row(key, str(posts))
        console.print(co)
    if report.recent_posts:
        recent = Table(title="latest posts", show_header=True)
        for name in ("last seen", "source", "lang", "risk", "title / url"):
            recent.add_column(name)
        for post in report.recent_posts:
            recent.add_row(str(post.get("last_seen", ""))[:16].replace("T", " "), str(_get(post, "source.id") or ""),
                           str(_get(post, "language.code") or ""), str(_get(post, "risk.level") or ""),
                           f"{post.get('title') or ''}\n{post.get('url', '')}")
        console.print(recent)


def summaries_table(rows: Iterable[IdentifierSummary]) -> Table:
    """The identifiers seen in the most sources."""
    table = Table(title="identifiers seen in the most sources", show_header=True)
    for name, justify in (("identifier", "left"), ("sources", "right"), ("posts", "right"),
                          ("first seen", "left"), ("last seen", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(row.key, str(row.sources), str(row.posts), (row.first_seen or "")[:10],
                      (row.last_seen or "")[:10])
    return table
