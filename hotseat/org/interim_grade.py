"""A stand-in grade from the per-turn signals already stored with each trainee turn.

Used by `submit_for_review` only while the offline evaluator (evaluators.offline) is not installed;
once it is, the real evaluator grades and this module is not called.
"""

from __future__ import annotations

from evaluators.results import Evaluation, SkillScore, TurnGrade
from evaluators.skills import Skill
from hotseat.practice import PracticeSession

EVALUATOR = "offline-signals"


def signals_evaluation(session: PracticeSession) -> Evaluation:
    """Each skill's best score across the trainee's turns (1 if never shown), with the sentence that showed it."""
    trainee = [t for t in session.trainee_turns() if t.signals is not None]
    skills = []
    for skill in Skill:
        best = max(trainee, key=lambda t: t.signals.skills.get(skill, 0) if t.signals else 0, default=None)
        score = best.signals.skills.get(skill, 0) if best is not None and best.signals else 0
        if best is None or best.signals is None or score == 0:
            skills.append(SkillScore(skill=skill, reasoning="Not shown in any turn.", score=1))
            continue
        quote = best.signals.evidence.get(skill.value, "")
        evidence = [quote] if quote and quote in best.text else []
        reasoning = f"Best shown in turn {best.index}."
        skills.append(SkillScore(skill=skill, reasoning=reasoning, score=score, evidence=evidence))
    flags = sorted({f for t in trainee if t.signals for f in t.signals.flags})
    turns = [
        TurnGrade(index=t.index, skills=dict(t.signals.skills), flags=list(t.signals.flags))
        for t in trainee
        if t.signals
    ]
    return Evaluation(evaluator=EVALUATOR, skills=skills, flags=flags, turns=turns)
