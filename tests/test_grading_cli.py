"""`hotseat grade` on temporary JSONL files, driven through typer's CliRunner."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import typer
from pydantic import BaseModel
from typer.testing import CliRunner

from evaluators.skills import Skill
from hotseat.cli import grade as cli_grade
from hotseat.grading.rate_limit import RateLimitedModel, RateLimiter
from hotseat.grading.runner import CSV_COLUMNS
from hotseat.providers.base import ChatMessage
from hotseat.providers.fake import FakeChatModel


def transcript_line(tid: str, *trainee: str) -> str:
    turns: list[dict[str, str]] = [{"role": "customer", "text": "You charged me twice and nobody answers the phone."}]
    for text in trainee or ("I'm sorry we charged you twice; that's our mistake.",):
        turns += [{"role": "trainee", "text": text}, {"role": "customer", "text": "Go on."}]
    return json.dumps({"id": tid, "persona": "sorry-hardest-word", "turns": turns})


GOOD = [transcript_line(f"t{i}") for i in range(1, 4)]
MIXED = [
    GOOD[0],
    '{"id": "broken", "turns": [',  # line 2: bad JSON
    GOOD[1],
    json.dumps({"id": "agent", "turns": [{"role": "agent", "text": "hi"}]}),  # line 4: wrong schema
    "",  # line 5: blank lines are ignored
    json.dumps({"id": "empty", "turns": []}),  # line 6: nothing to grade
    GOOD[2],
]


def write_lines(path: Path, lines: Sequence[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ids_in(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


class ScriptedJudge(FakeChatModel):
    """A judge model that grades whatever transcript it is shown, slowly and out of order."""

    def __init__(self, *, delays: bool = True) -> None:
        super().__init__(name="openai:test-judge")
        self.delays = delays
        self.calls = 0
        self._lock = threading.Lock()

    def complete_json(self, messages: Sequence[ChatMessage], schema: type[BaseModel]) -> str:
        with self._lock:
            self.calls += 1
            self.history.append(list(messages))
        turns = re.findall(r'<turn index="(\d+)"[^>]*>(.*)</turn>', messages[-1].content)
        first_text = json.loads(turns[0][1])
        quote = " ".join(first_text.split()[:3])
        if self.delays:
            time.sleep(random.uniform(0, 0.03))
        skills = {s.value: {"evidence": [quote], "reasoning": "ok", "score": 3, "suggestion": "s"} for s in Skill}
        return json.dumps({"skills": skills, "turns": [{"index": int(i), "skills": {}, "flags": []} for i, _ in turns]})


def use_model(monkeypatch: pytest.MonkeyPatch, model: Any) -> None:
    monkeypatch.setattr(cli_grade, "default_model_factory", lambda: model)


def test_offline_grading_keeps_input_order_and_reports_bad_lines(grade_app: typer.Typer, tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", MIXED)
    out = tmp_path / "out.jsonl"

    result = CliRunner().invoke(grade_app, ["grade", str(source), "--offline", "--out", str(out), "--concurrency", "4"])

    assert result.exit_code == 1, result.output
    assert ids_in(out) == ["t1", "t2", "t3"]
    assert re.search(r"line 2: invalid JSON", result.stderr)
    assert re.search(r"line 4: wrong schema: turns\.0\.role", result.stderr)
    assert re.search(r'line 6: "turns" is empty', result.stderr)
    assert "line 5" not in result.stderr
    assert "3 line(s) failed: 2, 4, 6" in result.stderr
    record = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert record["evaluator"] == "offline"
    assert list(record["skills"]) == [s.value for s in Skill]
    assert set(record["skills"]["empathy"]) == {"score", "evidence", "reasoning", "suggestion"}
    assert [t["index"] for t in record["turns"]] == [1]
    assert "fallback_reason" not in record


def test_judge_results_come_out_in_input_order_under_concurrency(
    grade_app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [f"c{i:02d}" for i in range(24)]
    source = write_lines(tmp_path / "in.jsonl", [transcript_line(i, f"Transcript {i} here, I'm sorry.") for i in ids])
    model = ScriptedJudge()
    use_model(monkeypatch, model)

    result = CliRunner().invoke(grade_app, ["grade", str(source), "--out", str(tmp_path / "o.jsonl"), "-j", "8"])

    assert result.exit_code == 0, result.output
    assert ids_in(tmp_path / "o.jsonl") == ids
    records = [json.loads(x) for x in (tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["evaluator"] for r in records} == {"llm:test-judge"}
    assert records[5]["skills"]["values"]["evidence"] == ["Transcript c05 here,"]
    assert model.calls == 24


def test_results_go_to_stdout_by_default(grade_app: typer.Typer, tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", GOOD)
    result = CliRunner().invoke(grade_app, ["grade", str(source), "--offline"])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["t1", "t2", "t3"]
    assert "graded 3 transcript(s) with offline" in result.stderr


def test_csv_has_one_row_per_transcript_with_score_columns(grade_app: typer.Typer, tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", MIXED)
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(grade_app, ["grade", str(source), "--offline", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["id"] for r in rows] == ["t1", "t2", "t3"]
    assert tuple(rows[0]) == CSV_COLUMNS
    assert {"empathy_score", "plain_language_score", "values_score", "flags"} <= set(rows[0])
    assert all(1 <= int(r[f"{s.value}_score"]) <= 5 for r in rows for s in Skill)
    assert rows[0]["evaluator"] == "offline"


def test_resume_skips_ids_already_graded_and_appends(
    grade_app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_lines(tmp_path / "in.jsonl", GOOD)
    out = tmp_path / "out.jsonl"
    model = ScriptedJudge(delays=False)
    use_model(monkeypatch, model)
    runner = CliRunner()
    assert (
        runner.invoke(
            grade_app, ["grade", str(write_lines(tmp_path / "head.jsonl", GOOD[:1])), "-o", str(out)]
        ).exit_code
        == 0
    )
    with out.open("a", encoding="utf-8") as fh:  # an interrupted run leaves half a line
        fh.write('{"id": "t2", "evaluator": "llm:test-ju')
    assert model.calls == 1

    result = runner.invoke(grade_app, ["grade", str(source), "--out", str(out), "--resume"])

    assert result.exit_code == 0, result.output
    assert ids_in(out) == ["t1", "t2", "t3"]
    assert model.calls == 3, "t1 must not be graded again"
    assert "skipped 1 already graded" in result.stderr


def test_resume_works_for_csv_without_repeating_the_header(grade_app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    runner = CliRunner()
    head = write_lines(tmp_path / "head.jsonl", GOOD[:2])
    assert runner.invoke(grade_app, ["grade", str(head), "--offline", "--format", "csv", "-o", str(out)]).exit_code == 0
    full = write_lines(tmp_path / "in.jsonl", GOOD)
    result = runner.invoke(grade_app, ["grade", str(full), "--offline", "--format", "csv", "-o", str(out), "--resume"])
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))] == ["t1", "t2", "t3"]


def test_usage_errors_exit_2(grade_app: typer.Typer, tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", GOOD)
    runner = CliRunner()
    resumed = runner.invoke(grade_app, ["grade", str(source), "--offline", "--resume"])
    assert resumed.exit_code == 2
    assert "--resume needs --out" in resumed.stderr
    assert runner.invoke(grade_app, ["grade", str(tmp_path / "missing.jsonl"), "--offline"]).exit_code == 2
    assert runner.invoke(grade_app, ["grade", str(source), "--offline", "--concurrency", "0"]).exit_code == 2
    assert runner.invoke(grade_app, ["grade", str(source), "--offline", "--format", "xml"]).exit_code == 2


def test_a_failing_judge_falls_back_per_transcript_and_says_so(
    grade_app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_model(monkeypatch, FakeChatModel(name="openai:gpt-4o-mini", default="Sorry, I can't help with that."))
    source = write_lines(tmp_path / "in.jsonl", GOOD[:2])

    result = CliRunner().invoke(grade_app, ["grade", str(source)])

    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["evaluator"] for r in records] == ["offline", "offline"]
    assert all("LLM judge gave no valid answer" in r["fallback_reason"] for r in records)
    assert "2 fell back to the offline evaluator" in result.stderr


def test_no_llm_configured_grades_offline_and_says_so(
    grade_app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_model(monkeypatch, None)
    result = CliRunner().invoke(grade_app, ["grade", str(write_lines(tmp_path / "in.jsonl", GOOD[:1]))])
    assert result.exit_code == 0
    assert "No LLM judge configured" in result.stderr
    assert json.loads(result.stdout)["evaluator"] == "offline"


def test_offline_flag_never_builds_the_model(
    grade_app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode() -> None:
        raise AssertionError("--offline must not build a model")

    monkeypatch.setattr(cli_grade, "default_model_factory", explode)
    result = CliRunner().invoke(grade_app, ["grade", str(write_lines(tmp_path / "in.jsonl", GOOD[:1])), "--offline"])
    assert result.exit_code == 0, result.output


def test_duplicate_ids_and_bad_utf8_are_reported_by_line(grade_app: typer.Typer, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    bad_utf8 = GOOD[1].replace("twice", "tw\udcffice").encode("utf-8", "surrogateescape")
    source.write_bytes(b"\n".join([GOOD[0].encode(), GOOD[0].encode(), bad_utf8, GOOD[2].encode()]))
    result = CliRunner().invoke(grade_app, ["grade", str(source), "--offline"])
    assert result.exit_code == 1
    assert "line 2: duplicate id 't1' (first on line 1)" in result.stderr
    assert re.search(r"line 3: turn \d+ contains bytes that are not valid UTF-8", result.stderr)
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == ["t1", "t3"]


def test_rate_limiter_spaces_requests_evenly() -> None:
    slept: list[float] = []
    limiter = RateLimiter(30, clock=lambda: 100.0, sleep=slept.append)
    for _ in range(3):
        limiter.acquire()
    assert slept == [2.0, 4.0]


def test_rate_limited_model_waits_before_every_request() -> None:
    waits: list[float] = []
    limiter = RateLimiter(600, clock=lambda: 0.0, sleep=waits.append)
    model = RateLimitedModel(FakeChatModel(name="openai:x").enqueue("{}", "hi"), limiter)
    assert model.name == "openai:x"
    assert model.complete_json([ChatMessage(role="user", content="a")], BaseModel) == "{}"
    assert model.complete([ChatMessage(role="user", content="b")]) == "hi"
    assert waits == [0.1]


def test_dash_reads_transcripts_from_stdin(grade_app: typer.Typer) -> None:
    result = CliRunner().invoke(
        grade_app, ["grade", "-", "--offline", "--format", "csv"], input="\n".join(GOOD[:2]) + "\n"
    )
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in csv.DictReader(io.StringIO(result.stdout))] == ["t1", "t2"]


def test_a_scenario_id_brings_its_facts_and_an_unknown_one_is_named() -> None:
    from evaluators.transcript import Transcript
    from hotseat.errors import HotseatError
    from hotseat.grading.runner import ScenarioFacts

    facts = ScenarioFacts()
    known = Transcript(id="a", persona="policy-over-problem", scenario="basic-economy-surgery")
    assert facts(known) and all(isinstance(f, str) for f in facts(known))
    assert facts(Transcript(id="b", persona="policy-over-problem")) == ()
    with pytest.raises(HotseatError, match=r"has no scenario 'basic-economy-surgeon'.*basic-economy-surgery"):
        facts(Transcript(id="c", persona="policy-over-problem", scenario="basic-economy-surgeon"))
    with pytest.raises(HotseatError, match='needs a "persona"'):
        facts(Transcript(id="d", scenario="basic-economy-surgery"))
