"""The built-in check ("test drive" gate): the author's own replies, played against the scripted customer.

For each scenario the good example replies are said in order and must win the customer back within
the turn limit; the bad ones must make the customer walk away. Nothing is stored: the conversations
run on a scratch in-memory store. The report says, per path, how it ended and why it fails, in an
author's words. A custom persona is published only once its check passes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from hotseat.errors import HotseatError, NotFoundError, PersonaError
from hotseat.practice.engine import PracticeEngine
from hotseat.practice.mood import DIFFICULTIES, WIN_ANGER, WIN_TRUST, MoodState
from hotseat.practice.personas import Difficulty, Persona, Scenario, no_versions
from hotseat.practice.session import PracticeSession, SessionStatus, Turn
from hotseat.settings import Settings

Path = Literal["good", "bad"]
EXPECTED: dict[Path, SessionStatus] = {"good": SessionStatus.WON_BACK, "bad": SessionStatus.WALKED_AWAY}


class CheckStep(BaseModel):
    """One reply of a path and what it did."""

    reply: str
    answer: str = ""  # the scripted customer's answer
    note: str = ""  # what moved their mood
    anger: float = 0.0


class PathResult(BaseModel):
    """One path (good or bad replies) of one scenario."""

    path: Path
    expected: SessionStatus
    status: SessionStatus  # how the conversation stood after the replies ("active": it had not ended)
    replies: int  # example replies given
    turns: int  # replies said before it ended
    anger: float
    trust: float
    felt_heard: bool
    need_met: bool
    passed: bool
    explanation: str
    steps: list[CheckStep] = Field(default_factory=list)


class ScenarioCheck(BaseModel):
    """Both paths of one scenario."""

    scenario_id: str
    title: str
    good: PathResult
    bad: PathResult

    @property
    def passed(self) -> bool:
        """True when both paths ended as expected."""
        return self.good.passed and self.bad.passed


class CheckReport(BaseModel):
    """The built-in check of one persona (version): every scenario, both paths."""

    persona_id: str
    version: int | None = None
    difficulty: Difficulty
    turn_limit: int
    passed: bool
    scenarios: list[ScenarioCheck]

    def failures(self) -> list[tuple[str, PathResult]]:
        """(scenario id, path) for every path that did not end as expected."""
        return [(s.scenario_id, p) for s in self.scenarios for p in (s.good, s.bad) if not p.passed]

    def summary(self) -> str:
        """One line per scenario and path: passed or why not."""
        lines = []
        for s in self.scenarios:
            for p in (s.good, s.bad):
                mark = "ok" if p.passed else "FAILS"
                lines.append(f"  - {s.scenario_id}, {p.path} replies: {mark}: {p.explanation}")
        return "\n".join(lines)


class _ScratchStore:
    """An in-memory SessionStore: the check's conversations are never written anywhere."""

    def __init__(self) -> None:
        self.sessions: dict[str, PracticeSession] = {}

    def create_session(self, session: PracticeSession) -> None:
        self.sessions[session.id] = session.model_copy(deep=True)

    def record_turn(self, session_id: str, turn: Turn, session: PracticeSession | None) -> None:
        if session is not None:
            self.sessions[session_id] = session.model_copy(deep=True)

    def load_session(self, session_id: str, *, user_id: int | None = None) -> PracticeSession:
        if session_id not in self.sessions:
            raise NotFoundError(f"No session {session_id!r}.")
        return self.sessions[session_id].model_copy(deep=True)


class _OnePersona:
    """A PersonaSource holding only the persona under check."""

    def __init__(self, persona: Persona) -> None:
        self.persona = persona

    def ids(self) -> list[str]:
        return [self.persona.id]

    def get(self, persona_id: str, version: int | None = None) -> Persona:
        if persona_id != self.persona.id:
            raise PersonaError(f"Unknown persona {persona_id!r}.")
        if version is not None:
            raise no_versions(persona_id, version)
        return self.persona

    def resolve(
        self, persona_id: str, version: int | None = None, *, published_only: bool = False
    ) -> tuple[Persona, int | None]:
        return self.get(persona_id, version), None

    def all(self) -> list[Persona]:
        return [self.persona]

    def load_all(self) -> tuple[list[Persona], list[PersonaError]]:
        return [self.persona], []


def _first_name(scenario: Scenario) -> str:
    return scenario.customer.name.split()[0]


def _why_not_won(mood: MoodState, name: str) -> str:
    missing = []
    if mood.anger > WIN_ANGER:
        missing.append(f"still angry ({mood.anger:.1f}/10; won back needs {WIN_ANGER:.0f} or less)")
    if mood.trust < WIN_TRUST:
        missing.append(f"trust too low ({mood.trust:.1f}/10; needs {WIN_TRUST:.0f})")
    if not mood.felt_heard:
        missing.append(f"{name} did not feel heard (restate their story in your own words)")
    if not mood.need_met:
        missing.append("their need was not met (offer a concrete fix like the scenario's need examples)")
    return "; ".join(missing) or "nothing was missing, but the conversation did not end"


def _explain(path: Path, session: PracticeSession, replies: int, said: int, name: str, difficulty: Difficulty) -> str:
    mood = session.mood
    status = session.status
    last_note = next((t.note for t in reversed(session.trainee_turns()) if t.note), "")
    moved = f" (last: {last_note})" if last_note else ""
    if path == "good":
        if status == SessionStatus.WON_BACK:
            return f"{name} was won back after {said} of {replies} good replies."
        if status == SessionStatus.WALKED_AWAY:
            return (
                f"{name} walked away at good reply {said}{moved}. A good reply must not cite policy, doubt or "
                "blame them, or sound like a sale."
            )
        if status == SessionStatus.TURN_LIMIT:
            return f"The turn limit ({said} replies) came before {name} was won back: {_why_not_won(mood, name)}."
        return f"After all {said} good replies {name} was not won back yet: {_why_not_won(mood, name)}."
    if status == SessionStatus.WALKED_AWAY:
        return f"{name} walked away after {said} of {replies} bad replies."
    if status == SessionStatus.WON_BACK:
        return (
            f"The bad replies won {name} back after {said} replies{moved}: they do not show what goes wrong "
            "with this customer."
        )
    patience = DIFFICULTIES[difficulty].patience
    return (
        f"After {said} bad replies {name} was still talking (anger {mood.anger:.1f}/10, "
        f"{mood.loyalty_killers} loyalty-killers; they walk away at 10/10 or after more than {patience}). "
        "Add bad replies that do what sets this customer off (policy, blame, doubt, a sales pitch)."
    )


def play_path(
    persona: Persona, scenario: Scenario, replies: list[str], path: Path, settings: Settings, difficulty: Difficulty
) -> PathResult:
    """Say `replies` in order to the scripted customer in `scenario`; how it ended and why."""
    store = _ScratchStore()
    engine = PracticeEngine(settings, store, _OnePersona(persona), None)  # None: the scripted customer
    started = engine.start(persona.id, scenario.id, difficulty)
    # A fixed id: the scripted customer picks its lines by session id and turn, so the same replies
    # always get the same conversation (and the same report).
    session = started.model_copy(update={"id": f"check:{scenario.id}:{path}:{difficulty.value}"})
    store.create_session(session)
    name = _first_name(scenario)
    steps: list[CheckStep] = []
    refused = ""
    for number, reply in enumerate(replies, start=1):
        if session.ended:
            break
        try:
            turn = engine.submit(session, reply)
        except HotseatError as exc:
            refused = f"{path} reply {number} was refused: {exc.message}"
            break
        answer = engine.reply_text(session)
        steps.append(CheckStep(reply=reply, answer=answer, note=turn.note or "", anger=session.mood.anger))
    expected = EXPECTED[path]
    said = len(steps)
    if not replies:
        explanation = f"No {path} example replies: add some under scenarios → {scenario.id} → example_replies → {path}."
    elif refused:
        explanation = refused
    else:
        explanation = _explain(path, session, len(replies), said, name, difficulty)
    return PathResult(
        path=path,
        expected=expected,
        status=session.status,
        replies=len(replies),
        turns=said,
        anger=round(session.mood.anger, 2),
        trust=round(session.mood.trust, 2),
        felt_heard=session.mood.felt_heard,
        need_met=session.mood.need_met,
        passed=bool(replies) and not refused and session.status == expected,
        explanation=explanation,
        steps=steps,
    )


def check_scenario(
    persona: Persona, scenario: Scenario, settings: Settings, *, difficulty: Difficulty = Difficulty.UPSET
) -> ScenarioCheck:
    """Both paths of one scenario, with its own example replies."""
    examples = scenario.example_replies
    return ScenarioCheck(
        scenario_id=scenario.id,
        title=scenario.title,
        good=play_path(persona, scenario, list(examples.good), "good", settings, difficulty),
        bad=play_path(persona, scenario, list(examples.bad), "bad", settings, difficulty),
    )


def check_persona(
    persona: Persona, settings: Settings, *, difficulty: Difficulty = Difficulty.UPSET, version: int | None = None
) -> CheckReport:
    """The built-in check of every scenario of `persona` (passes only if every path ends as expected)."""
    scenarios = [check_scenario(persona, s, settings, difficulty=difficulty) for s in persona.scenarios]
    return CheckReport(
        persona_id=persona.id,
        version=version,
        difficulty=difficulty,
        turn_limit=settings.turn_limit,
        passed=all(s.passed for s in scenarios),
        scenarios=scenarios,
    )
