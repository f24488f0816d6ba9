"""The printable HTML report: complete, self-contained, and every piece of user text escaped."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from helpers_engine import make_engine

from evaluators.results import Evaluation, SkillScore
from evaluators.skills import Skill
from hotseat.practice.session import PracticeSession
from hotseat.review.debrief import Debrief, build_debrief
from hotseat.review.report import session_report_html

ATTACK = "<script>alert('x')</script>"


class _Tags(HTMLParser):
    """Collects the tags and ids of a document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.ids.update(v for k, v in attrs if k == "id" and v)


def _played(tmp_path: Path, lines: list[str]) -> tuple[PracticeSession, Debrief]:
    engine = make_engine(tmp_path)
    session = engine.start("policy-over-problem")
    for line in lines:
        if session.ended:
            break
        engine.say(session, line)
    persona, scenario = engine.persona_and_scenario(session)
    quote = session.trainee_turns()[0].text
    evaluation = Evaluation(
        evaluator="offline",
        skills=[
            SkillScore(skill=s, reasoning="why", score=2, evidence=[quote], suggestion=f"Try {ATTACK}") for s in Skill
        ],
        fallback_reason=f"LLM judge failed ({ATTACK}); graded by the offline evaluator instead.",
    )
    anchors = {s: {1: "Never shown.", 3: "Shown once."} for s in Skill}
    return session, build_debrief(session, persona, scenario, evaluation, anchors=anchors)


def test_report_escapes_script_in_trainee_text(tmp_path: Path) -> None:
    session, debrief = _played(tmp_path, [f"Our policy clearly states no changes. {ATTACK}", "Let me refund you now."])
    html = session_report_html(session, debrief)
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    parser = _Tags()
    parser.feed(html)
    assert "script" not in parser.tags


def test_report_holds_scorecard_flags_mood_phases_and_transcript(tmp_path: Path) -> None:
    session, debrief = _played(tmp_path, ["Our policy clearly states no changes.", "Let me refund you now."])
    html = session_report_html(session, debrief)
    parser = _Tags()
    parser.feed(html)
    for skill in Skill:
        assert skill.value.replace("_", " ") in html
    assert "Never shown." in html  # the anchor a score of 2 reached
    assert "policy hiding" in html and "turn 1" in html
    for flag in debrief.flags:
        assert f"href='#turn-{flag.index}'" in html
        assert f"turn-{flag.index}" in parser.ids  # the link lands on the turn in the transcript
    assert "svg" in parser.tags and "polyline" in parser.tags
    assert debrief.phases.summary() in html
    assert "graded by the offline evaluator instead" in html
    for turn in session.turns:
        assert f"turn-{turn.index}" in parser.ids


def test_report_without_a_grade_still_shows_the_conversation(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    session = engine.start("policy-over-problem", difficulty="calm")
    engine.say(session, "That sounds awful. Tell me what happened.")
    persona, scenario = engine.persona_and_scenario(session)
    debrief = build_debrief(session, persona, scenario, None)
    html = session_report_html(session, debrief.model_copy(update={"assisted": True}))
    assert "No scorecard" in html and "not graded" in html
    assert "assisted" in html
    assert "That sounds awful." in html
