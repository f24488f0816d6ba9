"""The customer's mood: anger, trust and whether they feel heard, moved by each trainee turn."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from evaluators.signals import TurnSignals
from evaluators.skills import Flag, Skill
from hotseat.practice.personas import Difficulty, Persona

LOYALTY_KILLERS = (Flag.POLICY_HIDING, Flag.ACCUSATION, Flag.TRANSACTIONAL, Flag.NON_APOLOGY)


class Ending(StrEnum):
    """How a session ended."""

    WON_BACK = "won_back"
    WALKED_AWAY = "walked_away"
    TURN_LIMIT = "turn_limit"


class DifficultyProfile(BaseModel):
    """How a difficulty level shapes the mood's dynamics."""

    model_config = ConfigDict(frozen=True)

    start_anger: float
    start_trust: float
    calm_rate: float  # multiplier on what calms
    heat_rate: float  # multiplier on what heats
    patience: int  # loyalty-killers tolerated before walking away
    max_calm_step: float  # the most one turn can lower anger: trust is rebuilt over turns


DIFFICULTIES: dict[Difficulty, DifficultyProfile] = {
    Difficulty.CALM: DifficultyProfile(
        start_anger=5, start_trust=4, calm_rate=1.3, heat_rate=0.7, patience=4, max_calm_step=2.5
    ),
    Difficulty.UPSET: DifficultyProfile(
        start_anger=7, start_trust=3, calm_rate=1.0, heat_rate=1.0, patience=3, max_calm_step=2.0
    ),
    Difficulty.FURIOUS: DifficultyProfile(
        start_anger=8.5, start_trust=2, calm_rate=0.7, heat_rate=1.3, patience=2, max_calm_step=1.5
    ),
}

# Default weights when a persona does not set its own: positive calms, negative heats.
DEFAULT_WEIGHTS: dict[str, float] = {
    Skill.EMPATHY: 1.0,
    Skill.PARAPHRASE: 1.5,
    Skill.VALIDATION: 1.2,
    Skill.APOLOGY: 1.2,
    Skill.PLAIN_LANGUAGE: 0.2,
    Skill.VALUES: 1.0,
    Flag.POLICY_HIDING: -1.5,
    Flag.ACCUSATION: -1.5,
    Flag.TRANSACTIONAL: -1.5,
    Flag.NON_APOLOGY: -1.5,
    Flag.JUMPS_TO_SOLUTION: -1.0,
    Flag.DOUBLESPEAK: -0.7,
    Flag.INJECTION: -0.5,
}

WIN_ANGER = 3.0  # at or below this, with trust and their need met, the customer is won back
WIN_TRUST = 6.0
WALK_ANGER = 10.0
NEED_CALM = 0.8  # a concrete fix matching their need calms this much (before difficulty)
REPEAT_HEAT = 0.8  # a line said again grates
TRIGGER_HEAT = 1.0  # close in meaning to what sets this customer off
IGNORED_HEAT = 0.7  # their question went unanswered


class MoodState(BaseModel):
    """The customer's state after a turn."""

    anger: float = Field(ge=0, le=10)
    trust: float = Field(ge=0, le=10)
    felt_heard: bool = False
    need_met: bool = False
    loyalty_killers: int = 0


class MoodChange(BaseModel):
    """What one trainee turn did to the mood, and why (for the one-line note)."""

    before: MoodState
    after: MoodState
    reasons: list[tuple[str, float]] = Field(default_factory=list)  # (key, signed effect on anger)

    @property
    def delta_anger(self) -> float:
        """Change in anger (negative is calmer)."""
        return round(self.after.anger - self.before.anger, 2)


def initial_mood(difficulty: Difficulty) -> MoodState:
    """The customer's mood as the conversation opens."""
    profile = DIFFICULTIES[difficulty]
    return MoodState(anger=profile.start_anger, trust=profile.start_trust)


def _skill_effect(skill: Skill, level: int) -> float:
    """How much a skill shown at `level` (1-5) counts: 0 at 2 or below, up to 1 at 5."""
    return max(0.0, (level - 2) / 3)


def update_mood(mood: MoodState, signals: TurnSignals, persona: Persona, difficulty: Difficulty) -> MoodChange:
    """Apply one trainee turn's signals to the mood, weighted by persona and difficulty."""
    profile = DIFFICULTIES[difficulty]
    if signals.not_graded:
        # Not read (not English): no penalty, no credit, nothing moves.
        return MoodChange(before=mood, after=mood.model_copy(), reasons=[("not_graded", 0.0)])
    weights = {**{str(k): v for k, v in DEFAULT_WEIGHTS.items()}, **persona.mood_weights}
    reasons: list[tuple[str, float]] = []
    calm = 0.0
    heat = 0.0
    if not signals.repeated:
        for skill, level in signals.skills.items():
            weight = weights.get(skill.value, 0.0)
            if skill is Skill.PLAIN_LANGUAGE:
                continue  # clear words are the baseline: they never calm anyone by themselves
            if skill is Skill.APOLOGY and Flag.NON_APOLOGY in signals.flags:
                continue
            effect = _skill_effect(skill, level) * weight
            if effect > 0:
                calm += effect * profile.calm_rate
                reasons.append((skill.value, -round(effect * profile.calm_rate, 2)))
        if signals.meets_need:
            effect = NEED_CALM * profile.calm_rate
            calm += effect
            reasons.append(("meets_need", -round(effect, 2)))
    else:
        # The same line again earns nothing, and grates.
        heat += REPEAT_HEAT * profile.heat_rate
        reasons.append(("repeated", round(REPEAT_HEAT * profile.heat_rate, 2)))
    for flag in signals.flags:
        weight = weights.get(flag.value, 0.0)
        if weight < 0:
            heat += -weight * profile.heat_rate
            reasons.append((flag.value, round(-weight * profile.heat_rate, 2)))
    if signals.triggered and not signals.flags:
        heat += TRIGGER_HEAT * profile.heat_rate
        reasons.append(("triggered", round(TRIGGER_HEAT * profile.heat_rate, 2)))
    if signals.ignored_question:
        heat += IGNORED_HEAT * profile.heat_rate
        reasons.append(("ignored_question", round(IGNORED_HEAT * profile.heat_rate, 2)))
    understood = signals.shows(Skill.PARAPHRASE) or (signals.shows(Skill.VALIDATION) and signals.shows(Skill.EMPATHY))
    understood = understood and signals.grounded and not signals.repeated  # sympathy without their facts is not hearing
    killed = any(f in signals.flags for f in LOYALTY_KILLERS)
    heard_now = mood.felt_heard or (understood and not killed)
    if not calm and not heat:
        if signals.asks_question:
            reasons.append(("listening", 0.0))  # an open question is listening: it costs nothing
        else:
            # Nothing moved them: patience wears thin slowly.
            heat = 0.3 * profile.heat_rate
            reasons.append(("nothing_new", round(heat, 2)))
    calm = min(calm, profile.max_calm_step)
    anger = min(10.0, max(0.0, mood.anger - calm + heat))
    trust = min(10.0, max(0.0, mood.trust + 0.8 * calm - 0.8 * heat))
    killers = mood.loyalty_killers + sum(1 for f in signals.flags if f in LOYALTY_KILLERS)
    # Listen before solving: a concrete fix that matches their need meets it once they feel heard.
    need_met = mood.need_met or (heard_now and signals.meets_need and not killed and not signals.repeated)
    after = MoodState(
        anger=round(anger, 2),
        trust=round(trust, 2),
        felt_heard=heard_now,
        need_met=need_met,
        loyalty_killers=killers,
    )
    reasons.sort(key=lambda r: -abs(r[1]))
    return MoodChange(before=mood, after=after, reasons=reasons)


def ending_for(mood: MoodState, difficulty: Difficulty, trainee_turns: int, turn_limit: int) -> Ending | None:
    """Whether the conversation ends now: won back, walked away, or out of turns."""
    if mood.anger >= WALK_ANGER or mood.loyalty_killers > DIFFICULTIES[difficulty].patience:
        return Ending.WALKED_AWAY
    if mood.anger <= WIN_ANGER and mood.trust >= WIN_TRUST and mood.felt_heard and mood.need_met:
        return Ending.WON_BACK
    if trainee_turns >= turn_limit:
        return Ending.TURN_LIMIT
    return None
