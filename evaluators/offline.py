"""The offline evaluator: `read_turn` on every trainee turn, then a session grade per skill.

No LLM and no network: always available, a few milliseconds per transcript. Per skill the
session score is the best the trainee showed (the average, for plain language), less what
their flags undid (an accusation undoes empathy and validation, a non-apology caps the
apology...). Evidence is the trainee's own sentences, verbatim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from evaluators.reading import read_turn
from evaluators.results import Evaluation, SkillScore, TurnGrade
from evaluators.rubric import load_rubrics
from evaluators.signals import TurnContext, TurnSignals
from evaluators.skills import Flag, Skill
from evaluators.suggest import suggestion_for
from evaluators.transcript import Transcript
from hotseat.errors import EvaluationError, InputError

EVALUATOR = "offline"
MAX_EVIDENCE = 3
# A flag anywhere in the session costs these skills a point (or caps them): what the flag undid.
PENALTIES: dict[Flag, tuple[Skill, ...]] = {
    Flag.ACCUSATION: (Skill.EMPATHY, Skill.VALIDATION),
    Flag.POLICY_HIDING: (Skill.VALIDATION, Skill.VALUES),
    Flag.TRANSACTIONAL: (Skill.VALUES,),
    Flag.DOUBLESPEAK: (Skill.PLAIN_LANGUAGE,),
}
CAPS: dict[Flag, tuple[Skill, int]] = {Flag.NON_APOLOGY: (Skill.APOLOGY, 3)}
SESSION_TOP_WEIGHT = 0.7  # session level = this share of the best turn + the rest of the turns' mean
IGNORED_COSTS: dict[Skill, int] = {Skill.PARAPHRASE: 1, Skill.VALIDATION: 1, Skill.EMPATHY: 1}
INJECTION_CAP = 2  # a transcript with an injection turn has every skill capped here
WHY_ABSENT = {
    Skill.EMPATHY: "The trainee never named or acknowledged how the customer felt.",
    Skill.PARAPHRASE: "The trainee never restated what the customer said.",
    Skill.VALIDATION: "The trainee never said the customer's reaction made sense.",
    Skill.APOLOGY: "The trainee never apologised or owned a mistake.",
    Skill.PLAIN_LANGUAGE: "No trainee turn had enough English words to judge.",
    Skill.VALUES: "The trainee never connected the fix to the relationship or the customer's goals.",
}


@dataclass
class _Read:
    """One graded trainee turn."""

    index: int
    text: str
    signals: TurnSignals
    skipped: str | None = None
    number: int = 0  # the trainee's own turn count (1-based): "your turn N" everywhere


@dataclass
class _Session:
    reads: list[_Read] = field(default_factory=list)
    customer_said: list[str] = field(default_factory=list)


def _read_all(
    transcript: Transcript, facts: Sequence[str], needs: Sequence[str] = (), triggers: Sequence[str] = ()
) -> _Session:
    session = _Session()
    customer_said: list[str] = []
    trainee_said: list[str] = []
    felt_heard = False
    number = 0
    for index, turn in enumerate(transcript.turns):
        if turn.role == "customer":
            if turn.text.strip():
                customer_said.append(turn.text)
            continue
        number += 1
        context = TurnContext(
            customer_said=tuple(customer_said),
            facts=tuple(facts),
            felt_heard=felt_heard,
            trainee_turn_number=number,
            trainee_said=tuple(trainee_said),
            needs=tuple(needs),
            triggers=tuple(triggers),
        )
        if turn.text.strip():
            trainee_said.append(turn.text)
        try:
            signals = read_turn(turn.text, context)
        except InputError as exc:
            session.reads.append(_Read(index, turn.text, TurnSignals(), skipped=exc.message, number=number))
            continue
        session.reads.append(_Read(index, turn.text, signals, number=number))
        heard = any(signals.shows(s) for s in (Skill.EMPATHY, Skill.PARAPHRASE, Skill.VALIDATION))
        felt_heard = felt_heard or (heard and signals.grounded and not signals.misheard and not signals.repeated)
    session.customer_said = customer_said
    return session


def _turn_label(read: _Read) -> str:
    return f"Your turn {read.number}"


def _skill_score(skill: Skill, session: _Session, flags: list[Flag]) -> SkillScore:
    rubric = load_rubrics()[skill]
    shown = [r for r in session.reads if skill in r.signals.skills]
    graded = [r for r in session.reads if not r.skipped and not r.signals.not_graded]
    if skill is Skill.PLAIN_LANGUAGE and shown:
        # A line said again is no clearer the second time: it counts at most 2.
        levels_shown = [min(r.signals.skills[skill], 2 if r.signals.repeated else 5) for r in shown]
        score = int(sum(levels_shown) / len(levels_shown) + 0.5)
    else:
        # The whole conversation, not its best moment: the best turn, pulled towards the turns'
        # mean (a repeated line scores 1 the second time, so repetition drags it down).
        best = max((r.signals.skills[skill] for r in shown), default=1)
        levels = [r.signals.skills.get(skill, 1) for r in graded] or [1]
        score = int(SESSION_TOP_WEIGHT * best + (1 - SESSION_TOP_WEIGHT) * sum(levels) / len(levels) + 0.5)
    reasons = [
        f"{_turn_label(r)}: {r.signals.notes.get(skill.value, '')}" for r in shown if r.signals.notes.get(skill.value)
    ]
    repeats = sum(r.signals.repeated for r in graded)
    if repeats and skill is not Skill.PLAIN_LANGUAGE:
        reasons.append(f"{repeats} turn(s) repeated an earlier line and earned nothing.")
    ignored = [r for r in graded if r.signals.ignored_question]
    if ignored and skill in IGNORED_COSTS and score > 1:
        score = max(1, score - min(len(ignored), 2) * IGNORED_COSTS[skill])
        reasons.append(f"Minus for {len(ignored)} question(s) of theirs left unanswered.")
    for flag, skills in PENALTIES.items():
        if flag in flags and skill in skills and score > 1:
            score -= 1
            reasons.append(f"Minus one for {flag.value.replace('_', ' ')} elsewhere in the conversation.")
    for flag, (capped, limit) in CAPS.items():
        if flag in flags and capped is skill and score > limit:
            score = limit
            reasons.append(f"Capped at {limit}: a {flag.value.replace('_', '-')} elsewhere undercut it.")
    if skill is Skill.PARAPHRASE and any(r.signals.misheard for r in session.reads):
        last_misheard = max(r.index for r in session.reads if r.signals.misheard)
        if not any(r.index > last_misheard and r.signals.shows(skill) for r in session.reads) and score > 2:
            score = 2
            reasons.append("Capped at 2: a restatement distorted what the customer said, and was not put right.")
    if not shown:
        reasons.insert(0, WHY_ABSENT[skill])
    level = rubric.level(score)
    reasoning = f"{' '.join(reasons)} Overall: {level.label.lower()} - {level.anchor}".strip()
    evidence = _evidence(skill, shown, session.reads)
    suggestion = "" if score == 5 else suggestion_for(rubric, session.customer_said)
    return SkillScore(skill=skill, reasoning=reasoning, score=score, evidence=evidence, suggestion=suggestion)


_NEGATIVE_EVIDENCE: dict[Skill, tuple[Flag, ...]] = {
    Skill.EMPATHY: (Flag.JUMPS_TO_SOLUTION, Flag.ACCUSATION),
    Skill.VALIDATION: (Flag.ACCUSATION, Flag.POLICY_HIDING),
    Skill.APOLOGY: (Flag.NON_APOLOGY,),
    Skill.PLAIN_LANGUAGE: (Flag.DOUBLESPEAK,),
    Skill.VALUES: (Flag.TRANSACTIONAL, Flag.POLICY_HIDING),
    Skill.PARAPHRASE: (),
}


def _evidence(skill: Skill, shown: list[_Read], reads: list[_Read]) -> list[str]:
    """Verbatim trainee sentences: the best turns first, then what worked against the skill."""
    quotes: list[str] = []
    for read in sorted(shown, key=lambda r: -r.signals.skills[skill]):
        quote = read.signals.evidence.get(skill.value)
        if quote and quote in read.text and quote not in quotes:
            quotes.append(quote)
    for read in reads:
        for flag in _NEGATIVE_EVIDENCE[skill]:
            quote = read.signals.evidence.get(flag.value)
            if flag in read.signals.flags and quote and quote in read.text and quote not in quotes:
                quotes.append(quote)
    return quotes[:MAX_EVIDENCE]


def cap_for_injection(score: SkillScore) -> SkillScore:
    """A transcript with an injection turn: every skill capped for the whole session, not that turn only."""
    if score.score <= INJECTION_CAP:
        return score
    return score.model_copy(
        update={
            "score": INJECTION_CAP,
            "reasoning": f"{score.reasoning} Capped at {INJECTION_CAP}: the transcript contains text aimed at "
            "the grader or the simulation.",
        }
    )


def grade_offline(
    transcript: Transcript,
    *,
    facts: Sequence[str] = (),
    needs: Sequence[str] = (),
    triggers: Sequence[str] = (),
) -> Evaluation:
    """Grade a whole transcript without an LLM: every skill, per-turn grades and session flags."""
    if not any(t.role == "trainee" for t in transcript.turns):
        raise EvaluationError(
            f"Transcript {transcript.id!r} has no trainee turns to grade.",
            hint='Add turns with "role": "trainee" (the person practising).',
        )
    session = _read_all(transcript, facts, needs, triggers)
    if all(r.skipped for r in session.reads):
        raise EvaluationError(
            f"Transcript {transcript.id!r}: no trainee turn could be graded ({session.reads[0].skipped}).",
            hint="Each trainee turn needs some text, at most 20,000 characters.",
        )
    flags: list[Flag] = []
    for read in session.reads:
        flags.extend(f for f in read.signals.flags if f not in flags)
    skills = [_skill_score(skill, session, flags) for skill in Skill]
    if Flag.INJECTION in flags:
        skills = [cap_for_injection(s) for s in skills]
    turns = [
        TurnGrade(index=r.index, skills=dict(r.signals.skills), flags=list(r.signals.flags)) for r in session.reads
    ]
    return Evaluation(evaluator=EVALUATOR, skills=skills, flags=flags, turns=turns)
