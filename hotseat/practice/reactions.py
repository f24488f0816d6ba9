"""Which kind of line the customer says next, from what the trainee just did."""

from __future__ import annotations

from evaluators.skills import Flag, Skill
from hotseat.practice.mood import Ending
from hotseat.practice.personas import Reaction
from hotseat.practice.reply_request import ReplyRequest

# Flags in the order the scripted customer reacts to them, and the line set for each.
FLAG_REACTIONS: dict[Flag, Reaction] = {
    Flag.ACCUSATION: Reaction.ACCUSED,
    Flag.POLICY_HIDING: Reaction.POLICY,
    Flag.NON_APOLOGY: Reaction.NON_APOLOGY,
    Flag.TRANSACTIONAL: Reaction.TRANSACTIONAL,
    Flag.JUMPS_TO_SOLUTION: Reaction.TOO_SOON,
    Flag.DOUBLESPEAK: Reaction.DOUBLESPEAK,
}
ENDING_REACTIONS = {
    Ending.WON_BACK: Reaction.WON_BACK,
    Ending.WALKED_AWAY: Reaction.WALK_AWAY,
    Ending.TURN_LIMIT: Reaction.TURN_LIMIT,
}


def choose_reaction(request: ReplyRequest) -> Reaction:
    """Which kind of line the scripted customer says, from what the trainee just did."""
    if request.ending is not None:
        return ENDING_REACTIONS[request.ending]
    signals = request.signals
    if signals is None:
        return Reaction.STILL_UPSET
    if Flag.INJECTION in signals.flags:
        return Reaction.INJECTION
    if signals.not_graded:
        return Reaction.OTHER_LANGUAGE
    if signals.repeated:
        return Reaction.REPEATED
    raised = [f for f in signals.flags if f in FLAG_REACTIONS]
    if raised:
        # React to whatever this persona minds most (most negative weight), else in fixed order.
        weights = request.persona.mood_weights
        order = list(FLAG_REACTIONS)
        raised.sort(key=lambda f: (weights.get(f.value, 0.0), order.index(f)))
        return FLAG_REACTIONS[raised[0]]
    mood = request.change.after if request.change else request.session.mood
    if signals.ignored_question:
        return Reaction.IGNORED_QUESTION
    if signals.misheard:
        return Reaction.MISHEARD
    if signals.shows(Skill.APOLOGY):
        return Reaction.APOLOGY_OWNED
    if signals.meets_need and mood.felt_heard:
        return Reaction.VALUES_CONNECTED if signals.shows(Skill.VALUES) else Reaction.SOLUTION_WELCOME
    if signals.shows(Skill.VALUES) and mood.felt_heard and signals.grounded:
        return Reaction.VALUES_CONNECTED
    heard = signals.shows(Skill.PARAPHRASE) or signals.shows(Skill.VALIDATION) or signals.shows(Skill.EMPATHY)
    if heard and signals.grounded:
        return Reaction.FELT_HEARD
    if signals.asks_question:
        return Reaction.ANSWERS_QUESTION
    return Reaction.STILL_UPSET
