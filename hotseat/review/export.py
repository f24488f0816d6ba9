"""Export a session as JSON (the `hotseat grade` transcript schema plus state) or Markdown."""

from __future__ import annotations

import json
from typing import Any

from hotseat.practice.session import PracticeSession
from hotseat.text import markdown_text


def session_to_dict(session: PracticeSession) -> dict[str, Any]:
    """The session as JSON-ready data: transcript fields first, then state per turn."""
    return {
        "id": session.id,
        "persona": session.persona_id,
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


def session_to_json(session: PracticeSession) -> str:
    """The session as indented JSON."""
    return json.dumps(session_to_dict(session), indent=2, ensure_ascii=False)


def _quote_block(text: str) -> str:
    lines = [markdown_text(line, hard_breaks=False) for line in text.splitlines()]
    return "\n".join("> " + line + "  " if line else ">" for line in lines)


def session_to_markdown(session: PracticeSession, *, customer_name: str = "Customer") -> str:
    """The session as a readable Markdown transcript; everything typed is escaped, so nothing in it renders."""
    md = markdown_text
    lines = [
        f"# Hotseat session {md(session.id)}",
        "",
        f"- Persona: {md(session.persona_id)} — scenario {md(session.scenario_id)}, "
        f"difficulty {session.difficulty.value}",
        f"- Played by: {md(session.provider)}",
        f"- Outcome: {session.status.replace('_', ' ')}" + (" (assisted)" if session.assisted else ""),
        "",
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
