"""`hotseat grade` under hostile or careless input: formula ids, unknown personas, JSON errors, big inputs."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

from support.grade_cli import grade_cli
from test_grading_cli import GOOD, transcript_line, write_lines
from typer.testing import CliRunner

from evaluators.results import Evaluation, SkillScore, TurnGrade
from evaluators.skills import Skill
from evaluators.transcript import Transcript
from hotseat.grading.runner import OutputFormat, ResultWriter, grade_lines
from hotseat.text import read_cell, safe_cell

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "'=already"]


def test_csv_output_neutralises_formula_ids_and_resume_reads_them_back(tmp_path: Path) -> None:
    lines = [transcript_line(tid) for tid in FORMULAS]
    source = write_lines(tmp_path / "in.jsonl", lines)
    out = tmp_path / "out.csv"
    runner = CliRunner()
    result = runner.invoke(grade_cli(), ["grade", str(source), "--offline", "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    cells = [row[0] for row in csv.reader(io.StringIO(out.read_text(encoding="utf-8")))][1:]
    assert all(cell.startswith("'") for cell in cells), cells
    assert [read_cell(c) for c in cells] == FORMULAS

    again = runner.invoke(
        grade_cli(), ["grade", str(source), "--offline", "--format", "csv", "-o", str(out), "--resume"]
    )
    assert again.exit_code == 0, again.output
    assert f"skipped {len(FORMULAS)} already graded" in again.stderr


def test_safe_cell_round_trips() -> None:
    for value in [*FORMULAS, "plain", "", "'quoted", "''=x", "\tx"]:
        assert read_cell(safe_cell(value)) == value
        assert not safe_cell(value).startswith(("=", "+", "-", "@", "\t"))


def test_unknown_persona_is_reported_but_graded(tmp_path: Path) -> None:
    line = json.loads(GOOD[0])
    line["persona"] = "sorry-hardest-wrd"
    source = write_lines(tmp_path / "in.jsonl", [json.dumps(line), GOOD[1]])
    result = CliRunner().invoke(grade_cli(), ["grade", str(source), "--offline"])
    assert result.exit_code == 0, result.output
    assert "line 1: unknown persona 'sorry-hardest-wrd' (closest matches: sorry-hardest-word" in result.stderr
    assert "line 2" not in result.stderr
    assert "1 named an unknown persona" in result.stderr
    assert len(result.stdout.strip().splitlines()) == 2


def test_json_error_message_reads_once(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", ['{"id": "x", "turns": "unterminated'])
    result = CliRunner().invoke(grade_cli(), ["grade", str(source), "--offline"])
    assert "at at" not in result.stderr
    assert "line 1: invalid JSON: Unterminated string starting at (column" in result.stderr


def _evaluation(transcript: Transcript) -> Evaluation:
    return Evaluation(
        evaluator="fixed",
        skills=[SkillScore(skill=s, reasoning="fixed", score=3) for s in Skill],
        turns=[TurnGrade(index=i) for i, t in enumerate(transcript.turns) if t.role == "trainee"],
    )


def test_grading_streams_instead_of_reading_the_whole_input_first() -> None:
    """The first result is written before more than a small window of input has been read."""
    pulled = 0
    pulled_at_first_write: list[int] = []

    def lines() -> Iterator[str]:
        nonlocal pulled
        for i in range(200):
            pulled += 1
            yield transcript_line(f"t{i}")

    class Recorder(ResultWriter):
        def write(self, transcript_id: str, evaluation: Evaluation) -> None:
            pulled_at_first_write.append(pulled)
            super().write(transcript_id, evaluation)

    out = io.StringIO()
    report = grade_lines(lines(), Recorder(out, OutputFormat.JSONL), _evaluation, concurrency=2)
    assert report.graded == 200
    assert pulled_at_first_write[0] <= 8, f"read {pulled_at_first_write[0]} lines before writing the first result"
    assert [json.loads(line)["id"] for line in out.getvalue().splitlines()] == [f"t{i}" for i in range(200)]
