"""Offline enrichment: ``enrich_jsonl`` with a fake enricher, then ``tipwatch enrich`` in a subprocess."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.enrich.enricher import EnrichmentError
from pipelines.enrich.offline import enrich_jsonl
from tests.factories import make_raw, raw_line
from tipwatch.contract import EnrichedPost, RawPost, parse_enriched, utc_now

ROOT = Path(__file__).resolve().parents[3]
SCAM = ("URGENT HIRING!! Customer Service in Sihanoukville, Cambodia. Salary $1,500, no experience "
        "needed, free flight. Contact via Telegram only.")
GENUINE = "Data entry clerk in Jurong, Singapore. Salary S$2,400, CPF. Email jobs@logistics.example.com.sg"


class FakeEnricher:
    """Marks every post low risk; fails on posts that say 'boom'."""

    def enrich(self, raw: RawPost) -> EnrichedPost:
        if "boom" in raw.text:
            raise EnrichmentError("contacts", "ValueError: boom")
        return EnrichedPost.model_validate({
            **raw.model_dump(by_alias=True),
            "language": {"code": "en", "confidence": 1.0, "method": "fake"},
            "risk": {"score": 0.0, "level": "low"},
            "enriched_at": utc_now(),
        })


def run_offline(text: str) -> tuple[list[str], list[str], object]:
    output, errors = io.StringIO(), io.StringIO()
    stats = enrich_jsonl(io.StringIO(text), output, errors, FakeEnricher())
    return output.getvalue().splitlines(), errors.getvalue().splitlines(), stats


def test_good_lines_are_enriched_and_bad_lines_reported_by_number() -> None:
    schema_drift = json.dumps({**make_raw("x").to_json_dict(), "schema": "tipwatch.post/0"})
    no_text = json.dumps({key: value for key, value in make_raw("y").to_json_dict().items() if key != "text"})
    lines = [raw_line("first"), "not json", no_text, "", schema_drift, raw_line("boom"), "[1, 2]",
             raw_line("last"), "   "]
    out, err, stats = run_offline("\n".join(lines) + "\n")

    assert [parse_enriched(line).text for line in out] == ["first", "last"]
    assert all(json.loads(line)["schema"] == "tipwatch.post/1" for line in out)
    assert err == [
        "line 2: <message>: not JSON: Expecting value at line 1 column 1",
        "line 3: text: Field required",
        "line 5: schema: expected 'tipwatch.post/1', got 'tipwatch.post/0'",
        "line 6: enrichment failed in contacts: ValueError: boom",
        "line 7: <message>: expected a JSON object, got list",
    ]
    assert (stats.lines, stats.enriched, stats.invalid, stats.failed, stats.blank) == (9, 2, 4, 1, 2)
    assert stats.errors == 5
    assert stats.levels == {"low": 2}
    assert stats.summary() == "9 lines: 2 enriched (high 0, medium 0, low 2), 4 invalid, 1 failed, 2 blank"


def test_undecodable_bytes_are_a_line_error() -> None:
    data = raw_line("ok").encode() + b"\n\xff\xfe{}\n"
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="surrogateescape")
    output, errors = io.StringIO(), io.StringIO()
    stats = enrich_jsonl(stream, output, errors, FakeEnricher())
    assert errors.getvalue() == "line 2: <line>: not UTF-8 at character 1\n"
    assert (stats.enriched, stats.invalid) == (1, 1)


def test_empty_input_yields_empty_output() -> None:
    out, err, stats = run_offline("")
    assert (out, err, stats.lines) == ([], [], 0)


# --- the command ---------------------------------------------------------------------------------

def tipwatch(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "tipwatch.cli", *args], input=stdin, capture_output=True,
                          cwd=ROOT, timeout=300, check=False)


def test_command_pipes_jsonl_and_reports_bad_lines_on_stderr() -> None:
    lines = [raw_line(SCAM, country="KH").encode(), b'{"schema": "tipwatch.post/1"', b"\xff oops", b"",
             raw_line(GENUINE, country="SG").encode()]
    result = tipwatch("enrich", "--input", "-", "--output", "-", "--config", "config",
                      stdin=b"\n".join(lines) + b"\n")

    assert result.returncode == 0, result.stderr.decode()
    posts = [parse_enriched(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert [post.id for post in posts] == [make_raw(SCAM, country="KH").id, make_raw(GENUINE, country="SG").id]
    assert [post.risk.level for post in posts] == ["high", "low"]
    assert posts[0].language.code == "en"
    assert "destination.cambodia_hub" in {indicator.id for indicator in posts[0].indicators}
    errors = [line for line in result.stderr.decode().splitlines() if line.startswith("line ")]
    assert errors[0].startswith("line 2: <message>: not JSON: ")
    assert errors[1] == "line 3: <line>: not UTF-8 at character 1"
    assert len(errors) == 2
    assert "5 lines: 2 enriched (high 1, medium 0, low 1), 2 invalid, 0 failed, 1 blank" in result.stderr.decode()


def test_command_reads_and_writes_files(tmp_path: Path) -> None:
    source, target = tmp_path / "raw.jsonl", tmp_path / "enriched.jsonl"
    source.write_text(raw_line(GENUINE) + "\n", encoding="utf-8")
    result = tipwatch("enrich", "--input", str(source), "--output", str(target))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b""
    [line] = target.read_text(encoding="utf-8").splitlines()
    assert parse_enriched(line).text == GENUINE


def test_command_fails_when_the_input_cannot_be_opened(tmp_path: Path) -> None:
    result = tipwatch("enrich", "--input", str(tmp_path / "missing.jsonl"))
    assert result.returncode == 1
    assert result.stderr.decode().strip() == (
        f"tipwatch enrich: cannot open input file {tmp_path / 'missing.jsonl'}: No such file or directory")


def test_command_rejects_output_without_input_and_a_bad_config(tmp_path: Path) -> None:
    result = tipwatch("enrich", "--output", "-")
    assert result.returncode == 1
    assert "--output needs --input" in result.stderr.decode()
    (tmp_path / "indicators").mkdir()
    (tmp_path / "indicators" / "bad.yaml").write_text("indicators:\n  - id: x\n", encoding="utf-8")
    result = tipwatch("enrich", "--input", "-", "--config", str(tmp_path), stdin=raw_line("x").encode())
    assert result.returncode == 1
    assert f"{tmp_path / 'indicators' / 'bad.yaml'}:2: indicators.0.id: " in result.stderr.decode()


def test_without_input_the_command_runs_the_kafka_consumer(monkeypatch: pytest.MonkeyPatch) -> None:
    import pipelines.enrich.consumer as consumer
    from tipwatch.cli import build_parser

    seen: list[argparse.Namespace] = []
    monkeypatch.setattr(consumer, "run_consumer", lambda args: seen.append(args) or 0)
    args = build_parser().parse_args(["enrich", "--config", "elsewhere", "--idle-exit", "5"])
    assert args.func(args) == 0
    assert [(a.config, a.idle_exit, a.input) for a in seen] == [(Path("elsewhere"), 5.0, None)]
