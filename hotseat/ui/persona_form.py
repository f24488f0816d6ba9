"""The customer editor's form: one widget per field of a persona's YAML data, and errors beside their fields.

The form edits the persona's data (the same mapping a `personas/<id>.yaml` file holds) at dotted paths
such as `scenarios.0.customer.name`; lists are text areas with one item per line. Whatever the form
does not show (the other reactions' lines, mood weights) is kept from the data it was filled from.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import streamlit as st

from hotseat.practice.personas import Reaction

Kind = Literal["text", "area", "lines", "killer"]
KEY_PREFIX = "au_"
S = "scenarios.0"  # the form edits the custom persona's one scenario


@dataclass(frozen=True)
class FormField:
    """One widget of the editor: where its value lives in the persona's data, and how it is edited."""

    path: str
    label: str
    kind: Kind = "text"
    help: str | None = None

    @property
    def key(self) -> str:
        """The widget's Streamlit key."""
        return KEY_PREFIX + self.path.replace(".", "_")


KILLERS = {
    1: "1. A transaction, not a relationship",
    2: "2. Policy over my problem",
    3: "3. Guilty until proven innocent",
    4: "4. Sorry is the hardest word",
}

SECTIONS: list[tuple[str, list[FormField]]] = [
    (
        "The customer",
        [
            FormField("title", "Title", help="How trainees see this customer in the picker."),
            FormField("loyalty_killer", "Which loyalty-killing conversation", "killer"),
            FormField("summary", "Summary", "area", help="One or two sentences for the picker."),
            FormField("needs", "What this customer needs from the conversation", "area"),
            FormField(f"{S}.customer.name", "Name"),
            FormField(f"{S}.customer.role", "Role", help="e.g. Owner of a small bakery"),
            FormField(f"{S}.customer.background", "Background", "area"),
        ],
    ),
    (
        "The situation",
        [
            FormField(f"{S}.title", "Scenario title"),
            FormField(f"{S}.industry", "Industry"),
            FormField(f"{S}.company", "Company"),
            FormField(f"{S}.trainee_role", "Who the trainee plays", help="e.g. Front desk manager at the hotel"),
            FormField(f"{S}.what_happened", "What happened", "area"),
            FormField(f"{S}.facts", "The facts (one per line)", "lines", help="What they reveal when asked."),
            FormField(f"{S}.wants", "What they want", "area"),
            FormField(f"{S}.values", "What they value long-term", "area"),
            FormField(f"{S}.opening_line", "Their opening line", "area"),
            FormField(f"{S}.walk_away_when", "When they walk away", "area"),
        ],
    ),
    (
        "What moves them",
        [
            FormField(f"{S}.escalates", "What sets them off (one per line)", "lines"),
            FormField(
                f"{S}.trigger_examples",
                "Example replies that set them off (one per line)",
                "lines",
                help="Whole sentences a trainee might say; matched by meaning.",
            ),
            FormField(f"{S}.calms", "What calms them (one per line)", "lines"),
            FormField(
                f"{S}.need_examples",
                "Example replies that would meet their need (one per line)",
                "lines",
                help="Concrete fixes of the kind they want; matched by meaning.",
            ),
        ],
    ),
    (
        "The check's example replies",
        [
            FormField(
                f"{S}.example_replies.good",
                "A good conversation: your replies in order (one per line)",
                "lines",
                help="The check says them to the scripted customer: they must win the customer back.",
            ),
            FormField(
                f"{S}.example_replies.bad",
                "A bad conversation: your replies in order (one per line)",
                "lines",
                help="The check says them to the scripted customer: the customer must walk away.",
            ),
        ],
    ),
]
KEY_REACTIONS = (
    Reaction.FELT_HEARD,
    Reaction.APOLOGY_OWNED,
    Reaction.NON_APOLOGY,
    Reaction.POLICY,
    Reaction.TOO_SOON,
    Reaction.SOLUTION_WELCOME,
    Reaction.STILL_UPSET,
    Reaction.WON_BACK,
    Reaction.WALK_AWAY,
)
LINE_FIELDS = [
    FormField(
        f"lines.{r.value}",
        f"{r.value.replace('_', ' ').capitalize()} (one line per line)",
        "lines",
        help=f"What they say when {r.meaning}.",
    )
    for r in (*KEY_REACTIONS, *(r for r in Reaction if r not in KEY_REACTIONS))
]
FIELDS: list[FormField] = [f for _, fields in SECTIONS for f in fields] + LINE_FIELDS
BY_PATH = {f.path: f for f in FIELDS}


# -- data <-> widgets --------------------------------------------------------------------------
def _parts(path: str) -> list[str | int]:
    return [int(p) if p.isdigit() else p for p in path.split(".")]


def get_path(data: Any, path: str) -> Any:
    """The value at a dotted path of nested dicts and lists, or None when any step is missing."""
    node = data
    for part in _parts(path):
        found = (isinstance(node, list) and isinstance(part, int) and part < len(node)) or (
            isinstance(node, dict) and part in node
        )
        if not found:
            return None
        node = node[part]
    return node


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at a dotted path, making the dicts (and list items) on the way."""
    parts = _parts(path)
    node: Any = data
    for part, following in itertools.pairwise(parts):
        empty: Any = [] if isinstance(following, int) else {}
        if isinstance(part, int):
            while len(node) <= part:
                node.append({})
            node = node[part]
        else:
            node = node.setdefault(part, empty)
    last = parts[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
    node[last] = value


def widget_value(field: FormField, value: Any) -> Any:
    """A data value as its widget shows it (a list as one item per line)."""
    if field.kind == "killer":
        return value if value in KILLERS else None
    if field.kind == "lines":
        items = value if isinstance(value, list) else []
        return "\n".join(" ".join(str(item).split()) for item in items)
    return "" if value is None else str(value)


def data_value(field: FormField, shown: Any) -> Any:
    """A widget's value as the data holds it (one item per non-blank line)."""
    if field.kind == "killer":
        return shown
    text = shown if isinstance(shown, str) else ""
    if field.kind == "lines":
        return [line.strip() for line in text.splitlines() if line.strip()]
    return text.strip()


def fill(data: Mapping[str, Any]) -> None:
    """Put the persona's data into the editor's widgets (before they are drawn in this run)."""
    for field in FIELDS:
        st.session_state[field.key] = widget_value(field, get_path(data, field.path))


def filled() -> bool:
    """True while the editor's widgets hold values (Streamlit forgets them when the page was not drawn)."""
    return all(f.key in st.session_state for f in FIELDS)


def collect(base: Mapping[str, Any]) -> dict[str, Any]:
    """The persona's data: `base` with every field set from its widget."""
    data = copy.deepcopy(dict(base))
    for field in FIELDS:
        value = data_value(field, st.session_state.get(field.key))
        if field.path.startswith("lines.") and not value:
            lines = data.get("lines")
            if isinstance(lines, dict):
                lines.pop(field.path.removeprefix("lines."), None)  # the check names the reaction
            continue
        set_path(data, field.path, value)
    return data


# -- errors ------------------------------------------------------------------------------------
def place_errors(errors: Iterable[tuple[str, str]]) -> tuple[dict[str, list[str]], list[str]]:
    """Each (path, message) error under the field it belongs to (the longest field path it starts with).

    Errors for no field (the whole persona, an unknown key) come back apart, to show above the form.
    """
    placed: dict[str, list[str]] = {}
    loose: list[str] = []
    for path, message in errors:
        owner = _owner(path)
        if owner is None:
            loose.append(f"{path}: {message}" if path else message)
        else:
            placed.setdefault(owner, []).append(message)
    return placed, loose


def _owner(path: str) -> str | None:
    candidate = path
    while candidate:
        if candidate in BY_PATH:
            return candidate
        candidate = candidate.rpartition(".")[0]
    return None


# -- drawing -----------------------------------------------------------------------------------
def draw(errors: Mapping[str, Sequence[str]], *, disabled: bool = False) -> None:
    """The editor's widgets, by section, each with its errors right under it (call inside a form)."""
    for title, fields in SECTIONS:
        st.subheader(title)
        for field in fields:
            _widget(field, errors.get(field.path, ()), disabled=disabled)
    with st.expander("Their lines, by how they react", expanded=any(f.path in errors for f in LINE_FIELDS)):
        st.caption(
            "The scripted customer picks from these. Each reaction needs at least two lines; "
            "{{ name }}, {{ company }} and {{ agent }} are filled in when played."
        )
        for field in LINE_FIELDS:
            _widget(field, errors.get(field.path, ()), disabled=disabled)


def _widget(field: FormField, messages: Sequence[str], *, disabled: bool) -> None:
    if field.kind == "killer":
        st.selectbox(field.label, list(KILLERS), format_func=KILLERS.__getitem__, key=field.key, disabled=disabled)
    elif field.kind == "text":
        st.text_input(field.label, key=field.key, help=field.help, disabled=disabled)
    else:
        height = 68 if field.kind == "area" else 120
        st.text_area(field.label, key=field.key, help=field.help, height=height, disabled=disabled)
    for message in messages:
        st.error(message, icon="⚠️")
