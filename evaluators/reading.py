"""Combine the detectors into one `TurnSignals`: `read_turn` is the entry point for one trainee turn.

The reading, in order: text aimed at the grader or the simulation (injection) earns nothing;
a turn not in English is not graded; then the precise rules (phrases, clauses, flags), the
grounding in this customer's story, the scenario's trigger and need examples matched by meaning,
and the learned scorers over all of it. Last come the caps a strict trainer applies: sympathy
about nobody in particular is a token, blame after empathy undoes it, a verbatim copy is not a
paraphrase, and a line the trainee already said earns nothing the second time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
from rapidfuzz import fuzz

from evaluators import clauses, embeddings, features
from evaluators.detectors import (
    detect_apology,
    detect_empathy,
    detect_plain_language,
    detect_validation,
    detect_values,
)
from evaluators.flags import (
    accusations,
    detect_injection,
    detect_moves,
    detect_policy_hiding,
    find_first,
    not_doubt,
    not_selling,
    policy_walls,
)
from evaluators.grounding import Grounding, ground, specific_stems
from evaluators.language import is_english
from evaluators.lexicon import cues
from evaluators.paraphrase import detect_paraphrase
from evaluators.scorer import ReaderModel, load_model
from evaluators.signals import MAX_TURN_CHARS, TurnContext, TurnSignals
from evaluators.skills import Flag, Skill
from evaluators.text import normalise, sentences, words
from evaluators.turn import Finding, ParsedTurn, parse_turn
from hotseat.errors import InputError

NOT_ENGLISH = "Not graded: English only. The offline reader reads English; this turn moves nothing."
NEED_MATCH = 0.55  # meaning match to a need example at which a concrete fix meets their need
TRIGGER_MATCH = 0.62  # meaning match to a trigger example at which the turn sets them off
REPEAT_RATIO = 88  # rapidfuzz ratio to an earlier trainee turn at which a turn is a repeat
REPEAT_SIMILARITY = 0.93  # or sentence-embedding similarity
VALIDATION_UNSAID_CAP = 3  # without a word that their reaction makes sense, validation is at most general
UNGROUNDED_CAP = 2  # sympathy, validation, apology, values about nobody in particular
HEARING = (Skill.EMPATHY, Skill.PARAPHRASE, Skill.VALIDATION)
# Stock talk about nobody in particular caps these (paraphrase has its own tests: frame, copy, distortion).
_GROUNDED_SKILLS = (Skill.EMPATHY, Skill.VALIDATION, Skill.APOLOGY, Skill.VALUES)
_WH_START = re.compile(
    r"^(what|why|how|when|where|which|who|is|are|was|were|do|does|did|can|could|will|would|should|have|has)\b"
)
_EVASIVE_PASSIVE = re.compile(
    r"\b(is|are|was|were|has been|have been|will be|it's|that's)( being)? (currently )?(reviewed|looked into|escalated|"
    r"investigated|processed|handled|considered|assessed|actioned|noted|logged|passed on|under review)\b"
)
_WORSE_THAN_A_JUMP = {Flag.ACCUSATION, Flag.POLICY_HIDING, Flag.DOUBLESPEAK}
_ANSWERISH = re.compile(r"^(yes|no|yeah|nope|absolutely|of course|definitely|not at all|honestly|because)\b")


def read(text: str, context: TurnContext) -> TurnSignals:
    """Read one non-empty trainee turn (validation of the input is the caller's job)."""
    out = TurnSignals()
    injected = detect_injection(text)
    if injected:
        out.flags.append(Flag.INJECTION)
        out.notes[Flag.INJECTION.value] = (
            f"Text aimed at the grader or the simulation ({', '.join(dict.fromkeys(injected))}) earns nothing."
        )
        out.evidence[Flag.INJECTION.value] = injected[0] if injected[0] in text else text[:200]
        return out
    if not is_english(text):
        out.not_graded = NOT_ENGLISH
        out.notes["language"] = NOT_ENGLISH
        return out

    return conclude(analyse(text, context), context)


def conclude(
    a: Analysis, context: TurnContext, model: ReaderModel | Literal["shipped"] | None = "shipped"
) -> TurnSignals:
    """The learned scorers and the caps over an analysis: the turn's final signals (mutates `a.out`).

    `model` is the shipped one by default; the trainer passes a candidate (or None for the rules alone).
    """
    out, turn, grounding = a.out, a.turn, a.grounding
    levels = _levels(a, out, load_model() if model == "shipped" else model)
    accused, walls = a.accused, a.walls
    story = [*context.customer_said, *context.facts]
    established = bool(context.trainee_said) and ground(context.trainee_said[-1], story).grounded
    _cap(levels, out, turn, grounding, accused, walls, established=established, validated=Skill.VALIDATION in a.found)
    if Flag.JUMPS_TO_SOLUTION in out.flags and (
        any(levels[s] >= 3 for s in (*HEARING, Skill.APOLOGY)) or _WORSE_THAN_A_JUMP & set(out.flags)
    ):
        # The scorers see the listening the phrase rules missed: then the fix did not come first. And a
        # reply that doubts them, hides behind a rule or talks doublespeak has a worse fault to name first.
        out.flags.remove(Flag.JUMPS_TO_SOLUTION)
        out.notes.pop(Flag.JUMPS_TO_SOLUTION.value, None)
        out.evidence.pop(Flag.JUMPS_TO_SOLUTION.value, None)
    for skill, level in levels.items():
        if level >= 2 or (skill is Skill.PLAIN_LANGUAGE and turn.word_count >= 1):
            out.skills[skill] = level
            finding = a.found.get(skill)
            out.notes.setdefault(skill.value, finding.note if finding else _generic_note(skill, level, grounding))
            out.evidence.setdefault(skill.value, finding.evidence if finding else _best_sentence(turn))
    need_sim, trigger_sim = a.need_similarity, a.trigger_similarity
    # The need is met only by a concrete fix (a move, not only words) that matches what this customer needs.
    out.meets_need = (out.offers_solution or out.offers_choice) and need_sim >= NEED_MATCH
    out.meets_need = out.meets_need and not (out.flags and set(out.flags) - {Flag.JUMPS_TO_SOLUTION, Flag.DOUBLESPEAK})
    hearing = any(out.skills.get(s, 1) >= 3 for s in HEARING)
    out.triggered = trigger_sim >= TRIGGER_MATCH and trigger_sim > need_sim + 0.03 and not hearing
    _session_checks(out, turn, context)
    return out


@dataclass
class Analysis:
    """Everything the reader works out about a turn before the learned scorers and the caps."""

    out: TurnSignals
    turn: ParsedTurn
    found: dict[Skill, Finding]
    accused: dict[int, str]
    walls: dict[int, str]
    grounding: Grounding
    need_similarity: float
    trigger_similarity: float
    x: np.ndarray | None = None  # the feature vector (computed when a model is present or asked for)
    sentence_x: np.ndarray | None = None  # one row per sentence, for the clause models (with `x`)


def analyse(text: str, context: TurnContext, *, with_features: bool | None = None) -> Analysis:
    """The rules, grounding and example matches for one English, non-injection turn."""
    out = TurnSignals()
    turn = parse_turn(text, list(context.customer_said), list(context.facts))
    turn.flagged_sentences = {  # sentences that undercut themselves earn no skill credit (nor count as a fix)
        i for i, s in enumerate(turn.unquoted) if cues("apology").has("non_apology", s)
    }
    accused = accusations(turn)
    walls = policy_walls(turn)
    turn.flagged_sentences |= set(accused) | set(walls)
    solution, choice, question = detect_moves(turn)
    out.offers_solution = solution is not None
    out.offers_choice = choice is not None
    out.asks_question = question is not None
    found, non_apology, corporate = _rule_findings(turn, out)
    _rule_flags(out, turn, accused, context, found, solution, non_apology, corporate)
    grounding = ground(text, [*context.customer_said, *context.facts])
    out.grounded = grounding.grounded
    a = Analysis(
        out=out,
        turn=turn,
        found=found,
        accused=accused,
        walls=walls,
        grounding=grounding,
        need_similarity=features.example_similarity(turn, context.needs),
        trigger_similarity=features.example_similarity(turn, context.triggers),
    )
    if with_features or (with_features is None and load_model() is not None):
        evidence = features.TurnEvidence(
            rule_levels={s: f.score for s, f in found.items()},
            rule_flags=tuple(out.flags),
            offers_solution=out.offers_solution,
            offers_choice=out.offers_choice,
            asks_question=out.asks_question,
            grounding=grounding,
            need_similarity=a.need_similarity,
            trigger_similarity=a.trigger_similarity,
        )
        a.x = features.build(turn, evidence, turn.customer)
        a.sentence_x = clauses.sentence_features(turn)
    return a


def _rule_findings(turn: ParsedTurn, out: TurnSignals) -> tuple[dict[Skill, Finding], str | None, list[str]]:
    """The rules' findings per skill, plus the non-apology phrase and the corporate phrases they met."""
    found: dict[Skill, Finding | None] = {}
    found[Skill.EMPATHY] = detect_empathy(turn)
    paraphrase, out.misheard = detect_paraphrase(turn)
    found[Skill.PARAPHRASE] = paraphrase
    found[Skill.VALIDATION] = detect_validation(turn)
    apology, non_apology = detect_apology(turn, out.offers_solution)
    found[Skill.APOLOGY] = apology
    plain, corporate, jargon = detect_plain_language(turn)
    found[Skill.PLAIN_LANGUAGE] = plain
    found[Skill.VALUES] = detect_values(turn)
    if jargon:
        out.notes.setdefault("jargon", f"Jargon the customer may not know: {', '.join(dict.fromkeys(jargon))}.")
    return {k: v for k, v in found.items() if v is not None}, non_apology, corporate


def _rule_flags(
    out: TurnSignals,
    turn: ParsedTurn,
    accused: dict[int, str],
    context: TurnContext,
    found: dict[Skill, Finding],
    solution: int | None,
    non_apology: str | None,
    corporate: list[str],
) -> None:
    _flag_if(out, turn, Flag.NON_APOLOGY, _at(turn, non_apology), "is a non-apology: it owns nothing")
    _flag_if(out, turn, Flag.POLICY_HIDING, detect_policy_hiding(turn), "hides behind policy")
    _flag_if(out, turn, Flag.ACCUSATION, next(iter(accused.items()), None), "doubts, blames or talks down to them")
    transactional = find_first("transactional", turn)
    if transactional is None and not {s for s, f in found.items() if f.score >= 2} - {Skill.PLAIN_LANGUAGE}:
        transactional = find_first("transactional_weak", turn)
    _flag_if(out, turn, Flag.TRANSACTIONAL, transactional, "treats them as a transaction, not a relationship")
    strong_double = find_first("doublespeak_strong", turn)
    if strong_double or len(corporate) >= 2:
        hit = strong_double or find_first("doublespeak", turn)
        _flag_if(out, turn, Flag.DOUBLESPEAK, hit, "is corporate doublespeak: say what you mean")
    heard = any(f.score >= 3 for s, f in found.items() if s in HEARING)
    if context.trainee_turn_number > 1:
        # Later on, a fix they asked for answers them; one they did not ask for jumps only past no acknowledgement.
        acknowledged = any(f.score >= 2 for s, f in found.items() if s in (*HEARING, Skill.APOLOGY))
        heard = heard or acknowledged or _asked(context)
    if out.offers_solution and not context.felt_heard and not heard and solution is not None:
        out.flags.append(Flag.JUMPS_TO_SOLUTION)
        out.notes[Flag.JUMPS_TO_SOLUTION.value] = (
            "You offered a fix before showing you heard them: acknowledge how they feel first."
        )
        out.evidence[Flag.JUMPS_TO_SOLUTION.value] = turn.sentences[solution]


def _asked(context: TurnContext) -> bool:
    """Whether the customer's last turn asks what will be done for them."""
    return bool(context.customer_said) and cues("moves").has("asks_for_fix", normalise(context.customer_said[-1]))


def _levels(a: Analysis, out: TurnSignals, model: ReaderModel | None) -> dict[Skill, int]:
    rule_levels = {s: f.score for s, f in a.found.items()}
    if model is None or a.x is None:
        return {s: rule_levels.get(s, 1) for s in Skill}
    levels = {s: max(1, min(5, int(model.skill_level(s, a.x) + 0.5))) for s in Skill}
    if model.values is not None and a.sentence_x is not None:
        # Values, sentence by sentence; a values cue the rules found is not capped.
        bounded = model.values.bound(levels[Skill.VALUES], model.values.presence(a.sentence_x))
        if bounded < levels[Skill.VALUES] and Skill.VALUES not in a.found:
            out.notes[Skill.VALUES.value] = _NOTHING_BEYOND_TODAY
        if bounded > levels[Skill.VALUES] or Skill.VALUES not in a.found:
            levels[Skill.VALUES] = bounded
    listening = any(f.score >= 4 for s, f in a.found.items() if s in (Skill.PARAPHRASE, Skill.APOLOGY))
    for flag in model.flags if not listening else ():  # the model does not overrule a clear act of listening
        if (
            flag not in out.flags
            and model.flag_raised(flag, a.x)
            and _supports(flag, a.turn, model.flags[flag].anchored)
        ):
            out.flags.append(flag)
            out.notes[flag.value] = _LEARNED_FLAG_NOTES[flag]
            out.evidence[flag.value] = _best_sentence(a.turn)
    for flag in model.clauses:
        # Sentence by sentence: one doubting or stonewalling sentence is not hidden by warm ones around it.
        at = None if flag in out.flags or a.sentence_x is None else model.clause_flag(flag, a.sentence_x)
        if at is not None and _not_the_fault(flag, a, at):
            at = None
        if at is not None and at not in a.turn.flagged_sentences:  # one sentence, one fault: the rules named it
            out.flags.append(flag)
            out.notes[flag.value] = _LEARNED_FLAG_NOTES[flag]
            out.evidence[flag.value] = a.turn.sentences[at]
    return levels


# The topic of a fault without its stance, which the sentence readings blur: looking the account up or
# waiving proof is not doubt; a refund, the cost off their bill or what they paid is not selling.
_TOPIC_NOT_STANCE = {Flag.ACCUSATION: not_doubt, Flag.TRANSACTIONAL: not_selling}


def _not_the_fault(flag: Flag, a: Analysis, at: int) -> bool:
    """True when sentence `at`, which a clause model suspects of `flag`, is not that fault: only its topic,
    or the sentence the rules read as the customer's point said back at 4+ (listening)."""
    topic_only = _TOPIC_NOT_STANCE.get(flag)
    if topic_only is not None and topic_only(a.turn.normalised[at]):
        return True
    said_back = a.found.get(Skill.PARAPHRASE)
    return said_back is not None and said_back.score >= 4 and said_back.evidence == a.turn.sentences[at]


_SUPPORT = {
    # A learned flag needs a word in the turn that such a fault is made of: the model weighs, the words anchor.
    Flag.ACCUSATION: re.compile(
        r"\byou(r|'re|'ve|'d)? (\w+ )?(should|could|must|might|didn't|did not|never|always|were|claim|say|said|"
        r"signed|chose|agreed)\b|\b(sir|ma'am|madam|honestly|actually|really|frankly|calm|proof|evidence|photo|report)\b"
    ),
    Flag.POLICY_HIDING: re.compile(
        r"\b(polic\w*|rules?|terms|conditions|contract|agreement|procedure|process|deadline|window|signed|agreed|"
        r"allowed|exceptions?|system|eligible|entitled|standard)\b"
    ),
    Flag.DOUBLESPEAK: re.compile(r"\b\w{11,}\b|\b(matter|situation|event|incident|going forward|moving forward)\b"),
}
_OWNED = re.compile(
    r"\b(our (mistake|fault|error|bug)|we (got it|were) wrong|wrong of us|my (mistake|fault)|we (broke|made|messed))"
)


def _supports(flag: Flag, turn: ParsedTurn, anchored: bool = True) -> bool:
    if anchored:
        pattern = _SUPPORT.get(flag)
        # An accusation's word must stand in a sentence that doubts: "you won't need a police report" does not.
        where = [s for s in turn.normalised if not not_doubt(s)] if flag is Flag.ACCUSATION else [turn.full]
        if pattern is None or not any(pattern.search(s) for s in where):
            return False
    return not (flag is Flag.NON_APOLOGY and _OWNED.search(turn.full))


_NOTHING_BEYOND_TODAY = "Nothing here looks past today's problem to the relationship or their goals."
_LEARNED_FLAG_NOTES = {
    Flag.POLICY_HIDING: "This reads as hiding behind the rules rather than helping.",
    Flag.ACCUSATION: "This reads as doubting or blaming them.",
    Flag.TRANSACTIONAL: "This treats them as a transaction, not a relationship.",
    Flag.NON_APOLOGY: "This apology owns nothing.",
    Flag.JUMPS_TO_SOLUTION: "You went to a fix before showing you heard them.",
    Flag.DOUBLESPEAK: "Corporate wording that hides what happened: say it plainly.",
    Flag.INJECTION: "Text aimed at the grader or the simulation earns nothing.",
}


def _cap(
    levels: dict[Skill, int],
    out: TurnSignals,
    turn: ParsedTurn,
    grounding: Grounding,
    accused: dict[int, str],
    walls: dict[int, str],
    *,
    established: bool = False,
    validated: bool = True,
) -> None:
    _best, stock_share = features.stock_similarity(turn.sentences)

    def cap(skill: Skill, limit: int, why: str) -> None:
        if levels[skill] > limit:
            levels[skill] = limit
            out.notes[skill.value] = why

    if not grounding.grounded:
        # A brief, sincere generic reaction keeps the rubric's level 3; stock phrasing about nobody
        # in particular is a token (2), and an apology must say what it is for.
        for skill in _GROUNDED_SKILLS:
            # An apology right after a turn that named what happened may say "this": it is established.
            strict = skill is Skill.PARAPHRASE or (
                (stock_share > 0 or skill is Skill.APOLOGY) and not (skill is Skill.APOLOGY and established)
            )
            limit = UNGROUNDED_CAP if strict else UNGROUNDED_CAP + 1
            cap(skill, limit, _UNGROUNDED[skill])
    if not validated:
        cap(
            Skill.VALIDATION,
            VALIDATION_UNSAID_CAP,
            "Naming how they feel is empathy; validation says their reaction makes sense.",
        )
    if accused or walls or Flag.ACCUSATION in out.flags or Flag.POLICY_HIDING in out.flags:
        cap(Skill.EMPATHY, 2, "Blame, doubt or a policy wall in the same turn undoes the sympathy.")
        cap(Skill.APOLOGY, 2, "An apology followed by doubt or a policy wall is undercut by it.")
        cap(Skill.VALIDATION, 1, "Doubting them or citing the rules tells them their reaction is not legitimate.")
        cap(Skill.PARAPHRASE, 2, "Their words turned against them are not a restatement of what they meant.")
    if Flag.TRANSACTIONAL in out.flags:
        cap(Skill.PARAPHRASE, 2, "Turning what they said into a sale is not saying it back.")
    if any(cues("flags").has("sarcasm", s) for s in turn.normalised):
        cap(Skill.EMPATHY, 1, "Sarcasm mocks what they are going through.")
    if Flag.NON_APOLOGY in out.flags:
        cap(Skill.APOLOGY, 2, "A non-apology owns nothing, whatever else is said.")
    if Flag.TRANSACTIONAL in out.flags:
        cap(Skill.VALUES, 1, "A transactional reply: nothing beyond today's sale.")
    if out.misheard:
        cap(Skill.PARAPHRASE, 1, "That restatement distorts what they said.")
    _copy_ratio, copied_first = features.copy_measures(turn, turn.customer)
    if copied_first or features.unshifted_restatement(turn):
        cap(
            Skill.PARAPHRASE,
            2,
            "Their own words copied back (a reflective frame is not a restatement): say it your way.",
        )
    if Flag.DOUBLESPEAK in out.flags or (Flag.POLICY_HIDING in out.flags and _tautology(turn)):
        cap(Skill.PLAIN_LANGUAGE, 2, "Corporate wording or an empty tautology hides what is happening.")
    concrete = features.is_concrete(turn)
    if not concrete:
        cap(Skill.PLAIN_LANGUAGE, 4, "Plain words, but nothing concrete: say who will do what, and by when.")
    if stock_share > 0 and not concrete:
        cap(Skill.PLAIN_LANGUAGE, 3, "Stock phrases the customer has to read past.")
    if _EVASIVE_PASSIVE.search(turn.full):
        cap(Skill.PLAIN_LANGUAGE, 2, "The passive hides who is doing what: say who will do it, and when.")
    if turn.word_count <= 2:
        cap(Skill.PLAIN_LANGUAGE, 3, "Too short to say anything concrete.")
        for skill in Skill:
            if skill is not Skill.PLAIN_LANGUAGE:
                cap(skill, 2, "One or two words cannot carry this skill.")


_UNGROUNDED = {
    Skill.EMPATHY: "Sympathy about nobody in particular: nothing in it is about what happened to them.",
    Skill.VALIDATION: "A stock line: it does not say why their reaction makes sense for what happened to them.",
    Skill.APOLOGY: "Which mistake? The apology names nothing of what went wrong for them.",
    Skill.VALUES: "Values talk tied to nothing this customer cares about.",
}


def _tautology(turn: ParsedTurn) -> bool:
    return any(re.search(r"\b(\w+) (is|are) \1\b", s) for s in turn.normalised)


def _session_checks(out: TurnSignals, turn: ParsedTurn, context: TurnContext) -> None:
    """Repetition of an earlier trainee turn, and a customer question left unanswered."""
    if context.trainee_said:
        earlier = list(context.trainee_said)
        ratio = max(fuzz.ratio(turn.text.lower(), e.lower()) for e in earlier)
        similar = 0.0
        if ratio < REPEAT_RATIO and embeddings.model_available() and len(words(turn.text)) >= 4:
            similar = float(embeddings.similarity([turn.text], earlier).max())
        if ratio >= REPEAT_RATIO or similar >= REPEAT_SIMILARITY:
            out.repeated = True
            for skill in list(out.skills):
                if skill is not Skill.PLAIN_LANGUAGE:
                    del out.skills[skill]
            out.notes["repeated"] = "You said this before: a line repeated earns nothing the second time."
    if context.trainee_turn_number > 1 and context.customer_said:
        asked = open_question(context.customer_said[-1])
        if asked and not _addresses(turn, asked):
            out.ignored_question = asked
            out.notes["ignored_question"] = f'They asked "{asked}" and your reply did not answer it.'


def open_question(customer_turn: str) -> str | None:
    """The customer's last real question in a turn (not a rhetorical flourish), or None."""
    for sentence in reversed(sentences(customer_turn)):
        s = sentence.strip()
        if s.endswith("?") and _WH_START.match(s.lower()) and len(words(s)) >= 3:
            return s
    return None


def _addresses(turn: ParsedTurn, question: str) -> bool:
    first = turn.normalised[0] if turn.normalised else ""
    if _ANSWERISH.match(first):
        return True
    if specific_stems(turn.text) & specific_stems(question):
        return True
    if embeddings.model_available() and turn.sentences:
        return float(embeddings.similarity(turn.sentences, [question]).max()) >= 0.5
    return False


def _generic_note(skill: Skill, level: int, grounding: Grounding) -> str:
    about = "about what happened to them" if grounding.grounded else "in general terms"
    return {
        Skill.EMPATHY: f"You showed some feeling for them, {about}.",
        Skill.PARAPHRASE: "You said back part of what they told you.",
        Skill.VALIDATION: f"You treated their reaction as reasonable, {about}.",
        Skill.APOLOGY: f"You apologised, {about}.",
        Skill.PLAIN_LANGUAGE: "Clear enough to follow."
        if level >= 3
        else "Hard to follow: use shorter, plainer words.",
        Skill.VALUES: "You pointed beyond today's problem."
        if level >= 3
        else "A nod to more than today's problem, not tied to what they care about.",
    }[skill]


def _best_sentence(turn: ParsedTurn) -> str:
    return max(turn.sentences, key=len) if turn.sentences else turn.text


def _at(turn: ParsedTurn, phrase: str | None) -> tuple[int, str] | None:
    if phrase is None:
        return None
    for i, s in enumerate(turn.unquoted):
        if phrase in s:
            return i, phrase
    return 0, phrase


def _flag_if(out: TurnSignals, turn: ParsedTurn, flag: Flag, hit: tuple[int, str] | None, why: str) -> None:
    if hit is None or flag in out.flags:
        return
    index, phrase = hit
    out.flags.append(flag)
    out.notes[flag.value] = f'"{phrase}" {why}.'
    out.evidence[flag.value] = turn.sentences[index] if turn.sentences else phrase


def read_turn(text: str, context: TurnContext) -> TurnSignals:
    """Read one trainee turn: skills shown (1-5), flags, moves and a short reason per key."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("The message is empty.", hint="Type what you would say to the customer.")
    if len(text) > MAX_TURN_CHARS:
        raise InputError(
            f"The message is {len(text):,} characters; the limit is {MAX_TURN_CHARS:,}.",
            hint="Say it in a few sentences, the way you would in a real conversation.",
        )
    return read(text, context)
