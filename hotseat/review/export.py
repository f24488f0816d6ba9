"""Export a session as JSON (the `hotseat grade` transcript schema plus state) or Markdown."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hotseat.practice.session import PracticeSession
from hotseat.text import markdown_text


def session_to_dict(session: PracticeSession, *, final_scores: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The session as JSON-ready data: transcript fields first, then state per turn.

    `final_scores` (hotseat.org.reviews.FinalScores.as_dict(): a grader's review, else the
    evaluator's grade) is added under that key when given.
    """
    data: dict[str, Any] = {
        "id": session.id,
        "persona": session.persona_id,
        "persona_version": session.persona_version,  # a custom persona's version; None for a built-in file
        "scenario": session.scenario_id,
        "difficulty": session.difficulty.value,
        "provider": session.provider,
        "status": session.status,
        "ending": session.ending.value if session.ending else None,
        "assisted": session.assisted,
        "parent_id": session.parent_id,
        "branched_at": session.branched_at,
        "created_at": session.created_at.isoformat(),
        "usage": session.usage.model_dump(),
        "turns": [
            {
                "role": t.role,
                "text": t.text,
                "index": t.index,
                "mood": t.mood.model_dump() if t.mood else None,
                "note": t.note,
                "skills": {k.value: v for k, v in t.signals.skills.items()} if t.signals else None,
                "flags": [f.value for f in t.signals.flags] if t.signals else None,
                "hint_used": t.hint_used,
            }
            for t in session.turns
        ],
    }
    if final_scores is not None:
        data["final_scores"] = dict(final_scores)
    return data


def session_to_json(session: PracticeSession, *, final_scores: Mapping[str, Any] | None = None) -> str:
    """The session as indented JSON (with `final_scores` when given)."""
    return json.dumps(session_to_dict(session, final_scores=final_scores), indent=2, ensure_ascii=False)


def _quote_block(text: str) -> str:
    lines = [markdown_text(line, hard_breaks=False) for line in text.splitlines()]
    return "\n".join("> " + line + "  " if line else ">" for line in lines)


def _final_lines(final: Mapping[str, Any]) -> list[str]:
    """The final scores as a Markdown list: each skill's score and where it came from."""
    md = markdown_text
    reviewer = final.get("reviewed_by")
    source = f"review by {md(str(reviewer))}" if reviewer else f"evaluator {md(str(final.get('evaluator') or ''))}"
    lines = ["## Final scores", "", f"From the {source}; mean {final.get('mean')}.", ""]
    skills = final.get("skills")
    for skill, item in (skills or {}).items() if isinstance(skills, Mapping) else ():
        score, origin, before = item.get("score"), item.get("source"), item.get("evaluator_score")
        note = f" (grader; evaluator {before})" if origin == "grader" else f" ({origin})"
        comment = f" — {md(' '.join(str(item.get('comment') or '').split()))}" if item.get("comment") else ""
        lines.append(f"- {str(skill).replace('_', ' ')}: {score}/5{note}{comment}")
    if final.get("review_comment"):
        lines += ["", f"*Grader's comment:* {md(' '.join(str(final['review_comment']).split()))}"]
    return [*lines, ""]


def session_to_markdown(
    session: PracticeSession, *, customer_name: str = "Customer", final_scores: Mapping[str, Any] | None = None
) -> str:
    """The session as a readable Markdown transcript; everything typed is escaped, so nothing in it renders.

    With `final_scores` (see session_to_dict), a "Final scores" section follows the header.
    """
    md = markdown_text
    lines = [
        f"# Hotseat session {md(session.id)}",
        "",
        f"- Persona: {md(session.persona_id)} — scenario {md(session.scenario_id)}, "
        f"difficulty {session.difficulty.value}",
        f"- Played by: {md(session.provider)}",
        f"- Outcome: {session.status.replace('_', ' ')}" + (" (assisted)" if session.assisted else ""),
        "",
        *(_final_lines(final_scores) if final_scores is not None else []),
    ]
    for turn in session.turns:
        who = customer_name if turn.role == "customer" else "You"
        lines.append(f"**{md(who)}:**")
        lines.append("")
        lines.append(_quote_block(turn.text))
        if turn.role == "trainee" and turn.note:
            lines.append("")
            lines.append(f"*{md(turn.note)}*")
        lines.append("")
    return "\n".join(lines)
