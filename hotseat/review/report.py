"""A printable HTML report of a session and its debrief (every piece of text escaped)."""

from __future__ import annotations

from html import escape

from hotseat.practice.session import PracticeSession
from hotseat.review.debrief import Debrief, MoodPoint

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;color:#222;line-height:1.45}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:1.6rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:.35rem;vertical-align:top}
td.score{white-space:nowrap}.bar{display:inline-block;height:.7rem;background:#4c78a8}.muted{color:#666}.flag{color:#b00020}
blockquote{margin:.3rem 0 .3rem 1rem;padding-left:.6rem;border-left:3px solid #ccc}
.turn{margin:.5rem 0}.who{font-weight:600}@media print{body{margin:0}h2{break-after:avoid}}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _label(key: str) -> str:
    return key.replace("_", " ")


def _header(session: PracticeSession, debrief: Debrief) -> str:
    graded = debrief.evaluator or "not graded"
    rows = [
        ("Customer", f"{debrief.customer_name} · {debrief.persona_title}"),
        ("Scenario", f"{debrief.scenario_title} ({session.difficulty.value})"),
        ("Outcome", _label(debrief.status) + (" · assisted (coach hints used)" if debrief.assisted else "")),
        ("Graded by", graded),
    ]
    if debrief.fallback_reason:
        rows.append(("Note", debrief.fallback_reason))
    cells = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f"<h1>Hotseat debrief</h1><table>{cells}</table>"


def _skills(debrief: Debrief) -> str:
    if not debrief.skills:
        return "<h2>Skills</h2><p class='muted'>No scorecard for this session.</p>"
    rows = []
    for s in debrief.skills:
        quotes = "".join(f"<blockquote>{_e(q)}</blockquote>" for q in s.evidence) or "<span class='muted'>—</span>"
        rows.append(
            f"<tr><td>{_e(_label(s.skill.value))}</td>"
            f"<td class='score'><span class='bar' style='width:{s.score * 1.2:.1f}rem'></span> {s.score}/5</td>"
            f"<td>{_e(s.anchor or '')}</td><td>{quotes}</td><td>{_e(s.better)}</td></tr>"
        )
    head = "<tr><th>Skill</th><th>Score</th><th>Level reached</th><th>Your words</th><th>Try saying</th></tr>"
    return f"<h2>Skills</h2><table>{head}{''.join(rows)}</table>"


def _flags(debrief: Debrief) -> str:
    if not debrief.flags:
        return "<h2>Flags</h2><p>No flags raised.</p>"
    items = "".join(
        f"<li><span class='flag'>{_e(_label(f.flag.value))}</span> at "
        f"<a href='#turn-{f.index}'>turn {f.turn}</a>: <q>{_e(f.quote)}</q>"
        + (f" <span class='muted'>{_e(f.why)}</span>" if f.why else "")
        + "</li>"
        for f in debrief.flags
    )
    return f"<h2>Flags</h2><ul>{items}</ul>"


def _svg(curve: list[MoodPoint], switch_turn: int | None) -> str:
    """Anger and trust by turn as an inline SVG line chart, with the phase switch as a rule."""
    width, height, pad = 560, 200, 30
    last = max((p.turn for p in curve), default=1) or 1

    def x(turn: float) -> float:
        return pad + (width - 2 * pad) * turn / last

    def y(value: float) -> float:
        return height - pad - (height - 2 * pad) * value / 10

    parts = [f"<svg viewBox='0 0 {width} {height}' width='{width}' height='{height}' role='img'>"]
    for value in (0, 5, 10):
        parts.append(f"<line x1='{pad}' y1='{y(value)}' x2='{width - pad}' y2='{y(value)}' stroke='#ddd'/>")
        parts.append(f"<text x='{pad - 6}' y='{y(value) + 3}' font-size='10' text-anchor='end'>{value}</text>")
    for name, colour in (("anger", "#e45756"), ("trust", "#4c78a8")):
        points = " ".join(f"{x(p.turn):.1f},{y(getattr(p, name)):.1f}" for p in curve)
        parts.append(f"<polyline fill='none' stroke='{colour}' stroke-width='2' points='{points}'/>")
    for p in curve:
        if p.moved:
            parts.append(f"<circle cx='{x(p.turn):.1f}' cy='{y(p.anger):.1f}' r='5' fill='#e45756'/>")
    if switch_turn is not None:
        parts.append(f"<line x1='{x(switch_turn):.1f}' y1='{pad}' x2='{x(switch_turn):.1f}' y2='{y(0)}' ")
        parts.append("stroke='#333' stroke-dasharray='4 3'/>")
        parts.append(
            f"<text x='{x(switch_turn) - 4:.1f}' y='{pad + 8}' font-size='10' text-anchor='end'>started solving</text>"
        )
    for p in curve:
        parts.append(f"<text x='{x(p.turn):.1f}' y='{height - 8}' font-size='10' text-anchor='middle'>{p.turn}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _mood(debrief: Debrief) -> str:
    if not debrief.curve:
        return ""
    moved = "".join(
        f"<li>turn {p.turn}: anger {p.delta_anger:+.1f}" + (f" — {_e(p.note)}" if p.note else "") + "</li>"
        for p in debrief.moving_points()
    )
    return (
        "<h2>The customer's mood</h2>"
        "<p class='muted'>Red: anger, blue: trust (0–10) after each of your turns; dots mark the turns "
        "that moved them; the dashed line is where you started solving.</p>"
        f"{_svg(debrief.curve, debrief.phases.switch_turn)}"
        + (f"<ul>{moved}</ul>" if moved else "")
        + f"<p><strong>{_e(debrief.phases.summary())}</strong></p>"
    )


def _transcript(session: PracticeSession, debrief: Debrief) -> str:
    numbers = {t.index: n for n, t in enumerate(session.trainee_turns(), start=1)}
    rows = []
    for turn in session.turns:
        who = debrief.customer_name if turn.role == "customer" else f"You (turn {numbers[turn.index]})"
        note = f"<div class='muted'>{_e(turn.note)}</div>" if turn.role == "trainee" and turn.note else ""
        rows.append(
            f"<div class='turn' id='turn-{turn.index}'><span class='who'>{_e(who)}</span>"
            f"<blockquote>{_e(turn.text)}</blockquote>{note}</div>"
        )
    return "<h2>Transcript</h2>" + "".join(rows)


def session_report_html(session: PracticeSession, debrief: Debrief) -> str:
    """A standalone, printable HTML page: scorecard, flags, mood curve, phases and transcript."""
    body = "".join(
        [
            _header(session, debrief),
            _skills(debrief),
            _flags(debrief),
            _mood(debrief),
            _transcript(session, debrief),
        ]
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Hotseat debrief {_e(session.id)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )
