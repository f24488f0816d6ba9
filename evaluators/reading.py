"""Combine the detectors into one `TurnSignals` (the body of `signals.read_turn`)."""

from __future__ import annotations

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
    policy_walls,
)
from evaluators.lexicon import cues
from evaluators.paraphrase import detect_paraphrase
from evaluators.signals import TurnContext, TurnSignals
from evaluators.skills import Flag, Skill
from evaluators.turn import Finding, ParsedTurn, parse_turn

MIN_LATIN_SHARE = 0.5  # below this share of a-z letters the detectors (English) do not apply


def _latin_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum("a" <= c.lower() <= "z" for c in letters) / len(letters)


def read(text: str, context: TurnContext) -> TurnSignals:
    """Read one non-empty trainee turn (validation of the input is the caller's job)."""
    out = TurnSignals()
    injected = detect_injection(text)
    if injected:
        out.flags.append(Flag.INJECTION)
        out.notes[Flag.INJECTION.value] = (
            f"Text aimed at the grader or the simulation ({', '.join(dict.fromkeys(injected))}) earns nothing."
        )
        out.evidence[Flag.INJECTION.value] = injected[0]
        return out
    if _latin_share(text) < MIN_LATIN_SHARE:
        out.notes["language"] = "Not graded: the skill detectors read English only (or the message has no words)."
        return out

    turn = parse_turn(text, list(context.customer_said), list(context.facts))
    turn.flagged_sentences = {  # sentences that undercut themselves earn no skill credit (nor count as a fix)
        i for i, s in enumerate(turn.normalised) if cues("apology").has("non_apology", s)
    }
    accused = accusations(turn)
    turn.flagged_sentences |= set(accused) | set(policy_walls(turn))
    solution, choice, question = detect_moves(turn)
    out.offers_solution = solution is not None
    out.offers_choice = choice is not None
    out.asks_question = question is not None

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
    for skill, finding in found.items():
        if finding is not None:
            out.skills[skill] = finding.score
            out.notes[skill.value] = finding.note
            out.evidence[skill.value] = finding.evidence

    _flag_if(out, turn, Flag.NON_APOLOGY, _at(turn, non_apology), "is a non-apology: it owns nothing")
    _flag_if(out, turn, Flag.POLICY_HIDING, detect_policy_hiding(turn), "hides behind policy")
    _flag_if(out, turn, Flag.ACCUSATION, next(iter(accused.items()), None), "doubts, blames or talks down to them")
    transactional = find_first("transactional", turn)
    if transactional is None and not out.skills.keys() - {Skill.PLAIN_LANGUAGE}:
        transactional = find_first("transactional_weak", turn)
    _flag_if(out, turn, Flag.TRANSACTIONAL, transactional, "treats them as a transaction, not a relationship")
    strong_double = find_first("doublespeak_strong", turn)
    if strong_double or len(corporate) >= 2:
        hit = strong_double or find_first("doublespeak", turn)
        _flag_if(out, turn, Flag.DOUBLESPEAK, hit, "is corporate doublespeak: say what you mean")
    heard = any(out.shows(s) for s in (Skill.EMPATHY, Skill.PARAPHRASE, Skill.VALIDATION))
    if out.offers_solution and not context.felt_heard and not heard and solution is not None:
        out.flags.append(Flag.JUMPS_TO_SOLUTION)
        out.notes[Flag.JUMPS_TO_SOLUTION.value] = (
            "You offered a fix before showing you heard them: acknowledge how they feel first."
        )
        out.evidence[Flag.JUMPS_TO_SOLUTION.value] = turn.sentences[solution]
    if jargon:
        out.notes.setdefault("jargon", f"Jargon the customer may not know: {', '.join(dict.fromkeys(jargon))}.")
    if out.misheard:
        out.notes.setdefault("misheard", out.notes.get(Skill.PARAPHRASE.value, ""))
    return out


def _at(turn: ParsedTurn, phrase: str | None) -> tuple[int, str] | None:
    if phrase is None:
        return None
    for i, s in enumerate(turn.normalised):
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
