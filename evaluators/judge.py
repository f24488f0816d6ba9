"""The LLM judge: one structured call grades all six skills of a transcript, with verified evidence.

The answer is validated (schema, verbatim quotes, real turn indices); an invalid answer is sent
back with the reasons, a bounded number of times, then `EvaluationError` keeps the last output.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from evaluators.judge_checks import MAX_PROBLEMS, answer_problems, locate_quote, skill_problems
from evaluators.judge_schema import JudgeAnswer, JudgedSkill, JudgedTurn, partial_answer_model
from evaluators.results import Evaluation, SkillScore, TurnGrade
from evaluators.skills import FLAGS, Flag, Skill
from evaluators.transcript import Transcript
from hotseat.errors import EvaluationError, InputError, ProviderError
from hotseat.providers.base import ChatMessage, ChatModel

if TYPE_CHECKING:
    from evaluators.rubric import Rubric
    from evaluators.signals import TurnContext, TurnSignals
    from hotseat.prompts import PromptTemplate

_FENCE = re.compile(r"```[a-zA-Z0-9_-]*")
_GRADER_TAG = re.compile(
    r"</?\s*(?:transcript|turn|rubric|instructions|flags|output|facts|previous_answer|skill|system)\b",
    re.IGNORECASE,
)
_ROLE_LINE = re.compile(r"^\W*(?:system|assistant|developer)\s*:", re.IGNORECASE | re.MULTILINE)
_PREVIOUS_ANSWER_LIMIT = 6000
INJECTION_CAP = 2  # with any injection attempt in the session, no skill scores above this


def escape_turn_text(text: str) -> str:
    """A turn's text as a JSON string with < and > escaped: no tag or line can break out of it."""
    return json.dumps(text, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")


def addresses_grader(text: str) -> bool:
    """True when the text carries the prompt's own markup or a fake role line ("System: ...")."""
    return bool(_GRADER_TAG.search(text) or _ROLE_LINE.search(text))


def injected_turns(transcript: Transcript, facts: Sequence[str] = ()) -> set[int]:
    """Indices of trainee turns the offline signals (or the prompt's own markup) flag as injection."""
    from evaluators.reading import read_turn
    from evaluators.signals import TurnContext

    flagged: set[int] = set()
    customer_said: list[str] = []
    number = 0
    for index, turn in enumerate(transcript.turns):
        if turn.role == "customer":
            customer_said.append(turn.text)
            continue
        number += 1
        context = TurnContext(customer_said=tuple(customer_said), facts=tuple(facts), trainee_turn_number=number)
        if addresses_grader(turn.text) or _offline_flags_injection(read_turn, turn.text, context):
            flagged.add(index)
    return flagged


def _offline_flags_injection(read: Callable[[str, TurnContext], TurnSignals], text: str, context: TurnContext) -> bool:
    try:
        return Flag.INJECTION in read(text, context).flags
    except InputError:  # empty or over-long: the detectors refuse it; the judge still sees it escaped
        return False


def extract_json_object(raw: str) -> dict[str, Any]:
    """The first JSON object in a model's reply, ignoring code fences and prose around it."""
    text = _FENCE.sub("", raw)
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            value, _end = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            repaired = close_truncated_json(text[match.start() :])
            if repaired is not None:
                return repaired
            continue
        if isinstance(value, dict):
            return value
    raise ValueError("no JSON object found in the answer; reply with one JSON object only.")


def _closers(prefix: str) -> str | None:
    """The brackets that close `prefix` (outside strings), or None if it ends inside a string."""
    stack: list[str] = []
    in_string = escaped = False
    for char in prefix:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            stack.append("}" if char == "{" else "]")
        elif char in "}]" and stack:
            stack.pop()
    return None if in_string else "".join(reversed(stack))


def close_truncated_json(text: str, *, tries: int = 200) -> dict[str, Any] | None:
    """An answer cut off at max_tokens, closed after its last complete value (so whole skills survive)."""
    cuts = [i for i, c in enumerate(text) if c in "}]"][::-1][:tries]
    for cut in cuts:
        prefix = text[: cut + 1]
        closers = _closers(prefix)
        if closers is None:
            continue
        try:
            value = json.loads(prefix + closers)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    return None


def evaluator_name(model: ChatModel) -> str:
    """The evaluator label "llm:<model>" for a provider-qualified name like "openai:gpt-4o-mini"."""
    return "llm:" + (model.name.partition(":")[2] or model.name)


def _rubric_text(rubric: Rubric | str) -> str:
    return rubric if isinstance(rubric, str) else rubric.as_prompt()


def _validation_problems(exc: ValidationError) -> list[str]:
    problems = []
    for err in exc.errors()[:MAX_PROBLEMS]:
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        problems.append(f"{where}: {err['msg']}")
    return problems


class LLMJudge:
    """Grades a transcript with one structured call; built by `make_llm_judge`."""

    def __init__(
        self,
        *,
        model: ChatModel,
        rubric_blocks: list[dict[str, str]],
        template: PromptTemplate,
        max_attempts: int,
        budget_s: float | None = None,
    ) -> None:
        self.model = model
        self.evaluator = evaluator_name(model)
        self.rubric_blocks = rubric_blocks
        self.template = template
        self.max_attempts = max_attempts
        self.budget_s = budget_s

    def render(
        self,
        transcript: Transcript,
        *,
        facts: Sequence[str] = (),
        injected: set[int] | None = None,
        previous_answer: str = "",
        problems: Sequence[str] = (),
        skills: Sequence[Skill] = (),
    ) -> list[ChatMessage]:
        """The messages sent to the model: instructions and rubric first, the transcript last.

        `skills` (on a re-ask) names the only skills still to grade; empty means all six.
        """
        flagged = injected_turns(transcript, facts) if injected is None else injected
        turns = [
            {"index": i, "role": t.role, "text": escape_turn_text(t.text), "injection": i in flagged}
            for i, t in enumerate(transcript.turns)
        ]
        previous = previous_answer[:_PREVIOUS_ANSWER_LIMIT].replace("<", "\\u003c").replace(">", "\\u003e")
        return self.template.render(
            rubrics=self.rubric_blocks,
            turns=turns,
            facts=list(facts),
            previous_answer=previous,
            problems=list(problems),
            skills=[s.value for s in skills if len(skills) < len(Skill)],
        )

    def check_answer(
        self, transcript: Transcript, raw: str, *, facts: Sequence[str] = (), injected: set[int] | None = None
    ) -> tuple[Evaluation | None, list[str]]:
        """Validate one raw answer: (the Evaluation, []) when it passes, else (None, the problems to send back)."""
        trainee = dict(transcript.trainee_turns())
        customer = {i for i, t in enumerate(transcript.turns) if t.role == "customer"}
        flagged = injected_turns(transcript, facts) if injected is None else injected
        try:
            answer = JudgeAnswer.model_validate(extract_json_object(raw))
        except ValueError as exc:
            return None, _validation_problems(exc) if isinstance(exc, ValidationError) else [str(exc)]
        problems = answer_problems(answer, trainee, customer, flagged)
        if problems:
            return None, problems
        return self._evaluation(dict(answer.skills.items()), answer.turns, trainee, flagged, transcript, facts), []

    def __call__(
        self,
        transcript: Transcript,
        *,
        facts: Sequence[str] = (),
        first_answer: str | None = None,
        budget_s: float | None = None,
    ) -> Evaluation:
        """Grade `transcript`, salvaging: skills whose evidence checks out are kept, only the others re-asked.

        Stops after `max_attempts` calls or when the time budget (`budget_s`, else the judge's own) is
        spent; skills still missing are graded by the offline evaluator and listed in
        `fallback_skills`. Raises EvaluationError when no skill at all was answered validly.
        `first_answer` is an answer already obtained for the first attempt (from the Batch API):
        it is checked instead of calling the model, and counts as one of the attempts.
        """
        if not transcript.trainee_turns():
            raise EvaluationError(
                f"Transcript {transcript.id!r} has no trainee turns to grade.",
                hint="Add at least one turn with role 'trainee'.",
            )
        budget = self.budget_s if budget_s is None else budget_s
        deadline = None if budget is None else time.monotonic() + budget
        injected = injected_turns(transcript, facts)
        trainee = dict(transcript.trainee_turns())
        accepted: dict[Skill, JudgedSkill] = {}
        judged_turns: list[JudgedTurn] | None = None
        raw = ""
        problems: list[str] = []
        attempts = 0
        stopped = ""
        for attempt in range(self.max_attempts):
            missing = [s for s in Skill if s not in accepted]
            if attempt == 0 and first_answer is not None:
                raw = first_answer
            else:
                if attempt > 0 and deadline is not None and time.monotonic() >= deadline:
                    stopped = f"its {budget:g} s budget was spent"
                    break
                messages = self.render(
                    transcript,
                    facts=facts,
                    injected=injected,
                    previous_answer=raw,
                    problems=problems,
                    skills=missing,
                )
                schema = JudgeAnswer if len(missing) == len(Skill) else partial_answer_model(missing)
                try:
                    raw = self.model.complete_json(messages, schema)
                except ProviderError as exc:
                    if not accepted:
                        raise
                    stopped = f"a request failed ({exc.message})"
                    break
            attempts += 1
            got, turns, problems = self.salvage(raw, missing, trainee, injected)
            accepted.update(got)
            if judged_turns is None and turns is not None:
                judged_turns = turns
            if len(accepted) == len(Skill):
                break
        if not accepted:
            why = stopped or "; ".join(problems[:3])
            raise EvaluationError(
                f"The judge ({self.evaluator}) gave no valid answer in {attempts} attempt(s): {why}",
                hint="Try a stronger judge model (HOTSEAT_JUDGE_MODEL), a larger HOTSEAT_JUDGE_BUDGET_S, or --offline.",
                last_output=raw,
                attempts=attempts,
            )
        evaluation = self._evaluation(accepted, judged_turns or [], trainee, injected, transcript, facts)
        if stopped and evaluation.fallback_reason:
            note = evaluation.fallback_reason.removesuffix(".") + f" (the judge stopped: {stopped})."
            evaluation = evaluation.model_copy(update={"fallback_reason": note})
        return evaluation

    def salvage(
        self, raw: str, wanted: Sequence[Skill], trainee: Mapping[int, str], injected: set[int]
    ) -> tuple[dict[Skill, JudgedSkill], list[JudgedTurn] | None, list[str]]:
        """From one raw answer: the wanted skills that check out, the valid per-turn grades, and the problems."""
        try:
            data = extract_json_object(raw)
        except ValueError as exc:
            return {}, None, [str(exc)]
        skills_raw = data.get("skills")
        if not isinstance(skills_raw, dict):
            return {}, None, ['skills: missing; answer {"skills": {...}} with one entry per skill key.']
        turns = _valid_turns(data.get("turns"), trainee)
        flagged = set(injected) | {t.index for t in turns or [] if Flag.INJECTION in t.flags}
        good: dict[Skill, JudgedSkill] = {}
        problems: list[str] = []
        for skill in wanted:
            entry = skills_raw.get(skill.value)
            if entry is None:
                problems.append(f"skills.{skill.value}: missing; give evidence, reasoning, score and suggestion.")
                continue
            try:
                graded = JudgedSkill.model_validate(entry)
            except ValidationError as exc:
                problems.extend(f"skills.{skill.value}.{p}" for p in _validation_problems(exc))
                continue
            found = skill_problems(skill, graded, trainee, flagged, salvage=True)
            if found:
                problems.extend(found)
            else:
                good[skill] = graded
        return good, turns, problems[:MAX_PROBLEMS]

    def _evaluation(
        self,
        accepted: Mapping[Skill, JudgedSkill],
        judged_turns: Sequence[JudgedTurn],
        trainee: Mapping[int, str],
        injected: set[int],
        transcript: Transcript,
        facts: Sequence[str],
    ) -> Evaluation:
        judged = {t.index: t for t in judged_turns}
        turns: list[TurnGrade] = []
        for index in sorted(trainee):
            turn = judged.get(index)
            flags = set(turn.flags) if turn else set()
            shown = dict(turn.skills) if turn else {}
            if index in injected or Flag.INJECTION in flags:
                flags.add(Flag.INJECTION)
                shown = {}
            turns.append(TurnGrade(index=index, skills=shown, flags=[f for f in FLAGS if f in flags]))
        flagged = {t.index for t in turns if Flag.INJECTION in t.flags}
        quotable = {i: text for i, text in trainee.items() if i not in flagged}
        missing = [s for s in Skill if s not in accepted]
        offline = _offline_scores(transcript, facts) if missing else {}
        skills = []
        for skill in Skill:
            graded = accepted.get(skill)
            if graded is None:
                skills.append(offline[skill])
                continue
            skills.append(
                SkillScore(
                    skill=skill,
                    reasoning=graded.reasoning,
                    score=graded.score,
                    evidence=_exact_quotes(graded.evidence, quotable),
                    suggestion=graded.suggestion,
                )
            )
        if flagged:
            skills = [_capped(s) for s in skills]
        session_flags = {f for t in turns for f in t.flags}
        reason = None
        if missing:
            names = ", ".join(s.value for s in missing)
            reason = f"The LLM judge gave no valid answer for {names}; the offline evaluator graded those skills."
        return Evaluation(
            evaluator=self.evaluator,
            skills=skills,
            flags=[f for f in FLAGS if f in session_flags],
            turns=turns,
            fallback_reason=reason,
            fallback_skills=missing,
        )


def _capped(score: SkillScore) -> SkillScore:
    if score.score <= INJECTION_CAP:
        return score
    note = f" Capped at {INJECTION_CAP}: a turn in this session tried to game the grade."
    return score.model_copy(update={"score": INJECTION_CAP, "reasoning": score.reasoning + note})


def _offline_scores(transcript: Transcript, facts: Sequence[str]) -> dict[Skill, SkillScore]:
    from evaluators.offline import grade_offline

    return {s.skill: s for s in grade_offline(transcript, facts=facts).skills}


def _valid_turns(raw: object, trainee: Mapping[int, str]) -> list[JudgedTurn] | None:
    """The per-turn grades that are valid and name a trainee turn once; None when there is no list."""
    if not isinstance(raw, list):
        return None
    turns: list[JudgedTurn] = []
    seen: set[int] = set()
    for item in raw:
        try:
            turn = JudgedTurn.model_validate(item)
        except ValidationError:
            continue
        if turn.index in trainee and turn.index not in seen:
            seen.add(turn.index)
            turns.append(turn)
    return turns


def _exact_quotes(quotes: Sequence[str], turns: Mapping[int, str]) -> list[str]:
    exact: list[str] = []
    for quote in quotes:
        found = locate_quote(quote, turns)
        if found and found[1] not in exact:
            exact.append(found[1])
    return exact


def make_llm_judge(
    *,
    model: ChatModel,
    rubrics: Mapping[Skill, Rubric | str] | None = None,
    max_attempts: int = 3,
    prompts_dir: Path | None = None,
    budget_s: float | None = None,
) -> LLMJudge:
    """A judge grading a whole transcript in one structured call to `model`.

    `rubrics` defaults to the rubric files; `max_attempts` bounds the calls per transcript and
    `budget_s` the time (no new request starts once it is spent).
    """
    from hotseat.prompts import PromptLibrary
    from hotseat.settings import load_settings

    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    if budget_s is not None and budget_s <= 0:
        raise ValueError("budget_s must be positive")
    if rubrics is None:
        from evaluators.rubric import load_rubrics

        rubrics = load_rubrics()
    missing = [s.value for s in Skill if s not in rubrics]
    if missing:
        raise ValueError(f"rubrics missing for {missing}")
    folder = load_settings().prompts_dir if prompts_dir is None else prompts_dir
    template = PromptLibrary(folder).get("judge")
    blocks = [{"key": s.value, "text": _rubric_text(rubrics[s]).strip()} for s in Skill]
    return LLMJudge(model=model, rubric_blocks=blocks, template=template, max_attempts=max_attempts, budget_s=budget_s)
