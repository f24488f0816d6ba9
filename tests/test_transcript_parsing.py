"""The JSONL transcript parser and the output line format, with Hypothesis for the inputs nobody writes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluators.results import Evaluation, SkillScore, TurnGrade
from evaluators.skills import FLAGS, SKILLS
from hotseat.errors import InputError
from hotseat.grading.runner import (
    CSV_COLUMNS,
    MAX_TURN_CHARS,
    MAX_TURNS,
    csv_row,
    evaluation_record,
    parse_transcript_line,
    record_evaluation,
)

# -- the parser --------------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
turn_like = st.fixed_dictionaries(
    {},
    optional={
        "role": st.sampled_from(["customer", "trainee", "agent", "", "Trainee"]) | json_scalars,
        "text": st.text(max_size=40) | json_scalars,
        "extra": json_values,
    },
)
transcript_like = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=10) | json_scalars,
        "persona": st.text(max_size=10) | json_scalars,
        "turns": st.lists(turn_like | json_values, max_size=5) | json_values,
        "notes": json_values,
    },
)


def parses_or_refuses(line: str) -> None:
    try:
        transcript = parse_transcript_line(line)
    except InputError as exc:
        assert exc.message.strip(), "a refusal must say why"
    else:
        assert transcript.id.strip()
        assert any(t.role == "trainee" for t in transcript.turns)
        assert all(t.text.strip() for t in transcript.turns)


@given(st.text(max_size=200))
def test_any_text_parses_or_is_refused_with_a_reason(line: str) -> None:
    parses_or_refuses(line)


@given(json_values)
def test_any_json_value_parses_or_is_refused_with_a_reason(value: Any) -> None:
    parses_or_refuses(json.dumps(value))


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(transcript_like)
def test_transcript_shaped_json_parses_or_is_refused_with_a_reason(value: dict[str, Any]) -> None:
    parses_or_refuses(json.dumps(value))


@given(
    st.text(min_size=1, max_size=12).filter(str.strip),
    st.lists(
        st.tuples(st.sampled_from(["customer", "trainee"]), st.text(min_size=1, max_size=60).filter(str.strip)),
        min_size=1,
        max_size=8,
    ).filter(lambda turns: any(role == "trainee" for role, _ in turns)),
)
def test_well_formed_transcripts_always_parse_unchanged(tid: str, turns: list[tuple[str, str]]) -> None:
    try:
        json.dumps(tid).encode("utf-8")
        line = json.dumps({"id": tid, "persona": "p", "turns": [{"role": r, "text": t} for r, t in turns]})
        line.encode("utf-8")
    except UnicodeEncodeError:
        return
    if any(not _valid(t) for _, t in turns) or not _valid(tid):
        with pytest.raises(InputError, match="not valid UTF-8"):
            parse_transcript_line(line)
        return
    transcript = parse_transcript_line(line)
    assert transcript.id == tid
    assert [(t.role, t.text) for t in transcript.turns] == turns


def _valid(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def good(**changes: Any) -> str:
    base: dict[str, Any] = {
        "id": "a1",
        "persona": "p",
        "turns": [{"role": "customer", "text": "Where is my order?"}, {"role": "trainee", "text": "I'm sorry."}],
    }
    base.update(changes)
    return json.dumps(base)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"id": "a1", "turns": [', "invalid JSON"),
        ("[1, 2]", "expected a JSON object, got list"),
        ('"just a string"', "expected a JSON object, got str"),
        (good(id=7), "wrong schema: id"),
        (good(id="  "), '"id" is empty'),
        (json.dumps({"turns": []}), "wrong schema: id: Field required"),
        (good(turns=[]), '"turns" is empty'),
        (good(turns="hello"), "wrong schema: turns"),
        (good(turns=[{"role": "agent", "text": "hi"}]), "wrong schema: turns.0.role"),
        (good(turns=[{"role": "trainee"}]), "wrong schema: turns.0.text"),
        (good(turns=[{"role": "trainee", "text": "   "}]), "turn 0 (trainee) is empty"),
        (good(turns=[{"role": "customer", "text": "Hello?"}]), "no trainee turns"),
        (good(turns=[{"role": "trainee", "text": "x" * (MAX_TURN_CHARS + 1)}]), "more than the 20,000 allowed"),
        (good(turns=[{"role": "trainee", "text": "hi"}] * (MAX_TURNS + 1)), "more than the 400"),
        ('{"id": "a1", "turns": [{"role": "trainee", "text": "\\ud800"}]}', "not valid UTF-8"),
        ("[" * 100_000 + "]" * 100_000, "invalid JSON"),
        ("\ufeff" + good(), "invalid JSON"),
    ],
)
def test_refusals_say_what_is_wrong(line: str, reason: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_transcript_line(line)
    assert reason in caught.value.message


def test_long_turns_emoji_and_non_english_text_are_accepted() -> None:
    line = good(
        turns=[
            {"role": "customer", "text": "¿Dónde está mi pedido? 😡"},
            {"role": "trainee", "text": "Lo siento mucho, es culpa nuestra. 🙏 " + "y" * (MAX_TURN_CHARS - 40)},
        ],
        extra_field={"ignored": True},
    )
    transcript = parse_transcript_line(line)
    assert transcript.turns[1].text.startswith("Lo siento")


# -- the output line ---------------------------------------------------------------------------

short_text = st.text(max_size=40)
skill_scores = st.permutations(SKILLS).flatmap(
    lambda order: st.tuples(
        *[
            st.builds(
                SkillScore,
                skill=st.just(skill),
                reasoning=short_text,
                score=st.integers(1, 5),
                evidence=st.lists(short_text, max_size=3),
                suggestion=short_text,
            )
            for skill in order
        ]
    )
)
turn_grades = st.builds(
    TurnGrade,
    index=st.integers(0, 500),
    skills=st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5)),
    flags=st.lists(st.sampled_from(FLAGS), unique=True),
)
evaluations = st.builds(
    Evaluation,
    evaluator=st.sampled_from(["offline", "llm:gpt-4o-mini"]) | short_text,
    skills=skill_scores.map(list),
    flags=st.lists(st.sampled_from(FLAGS), unique=True),
    turns=st.lists(turn_grades, max_size=6),
    fallback_reason=st.none() | short_text.filter(bool),
)


@given(st.text(min_size=1, max_size=20), evaluations)
def test_output_lines_round_trip(tid: str, evaluation: Evaluation) -> None:
    try:
        line = json.dumps(evaluation_record(tid, evaluation), ensure_ascii=False)
        line.encode("utf-8")
    except UnicodeEncodeError:
        return  # lone surrogates never reach output: the parser refuses them
    assert "\n" not in line
    record = json.loads(line)
    back_id, back = record_evaluation(record)
    assert back_id == tid
    assert back == evaluation.model_copy(
        update={"skills": sorted(evaluation.skills, key=lambda s: SKILLS.index(s.skill))}
    )
    assert ("fallback_reason" in record) == bool(evaluation.fallback_reason)
    assert list(record["skills"]) == [s.value for s in SKILLS]


@given(evaluations)
def test_csv_rows_match_the_header(evaluation: Evaluation) -> None:
    row = csv_row("x", evaluation)
    assert len(row) == len(CSV_COLUMNS)
    scores = dict(zip(CSV_COLUMNS, row, strict=True))
    assert all(scores[f"{s.value}_score"] == str(evaluation.score(s).score) for s in SKILLS)
