"""User text made safe for where it goes: the database, a spreadsheet cell, Markdown."""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls, and lone surrogates (not encodable as UTF-8).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def clean_text(text: str) -> str:
    """`text` without control characters (NUL, escape codes, lone surrogates); line ends become \\n.

    The one place control characters are removed: every text column of the schema passes
    through it, so SQLite and PostgreSQL store the same thing (PostgreSQL refuses NUL).
    """
    if not text:
        return text
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula: text starting with = + - @ gets a leading quote.

    The one function every CSV Hotseat writes goes through. Text already starting with a quote gets
    one more, so `read_cell` can undo it exactly.
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith((*_FORMULA_START, "'")) else text


def read_cell(cell: str) -> str:
    """The value `safe_cell` was given (for reading Hotseat's own CSV back, e.g. `hotseat grade --resume`)."""
    return cell[1:] if cell.startswith("'") else cell


# Markdown: the characters that can start markup are written as numeric character references
# (`&#42;` for `*`). A reference is never Markdown syntax, so nothing typed becomes a link, an image,
# HTML, maths, a directive or formatting, and, unlike a backslash escape, it never shows inside a
# GitHub-style autolink. Characters that only matter at the start of a line, or before a letter,
# are escaped only there, so an export stays readable.
_ALWAYS = re.compile(r"[\\`*_{}\[\]<>|~$&@]")
_IN_CONTEXT = re.compile(
    r":(?=\S)"  # http:// and Streamlit's :emoji: and :red[...] directives
    r"|(?<=www)\.|(?<=WWW)\."  # www. autolinks
    r"|^( *)([#>+=-]|\d+[.)])",  # headings, quotes, lists, setext underlines, ordered lists
    re.MULTILINE,
)


def _reference(ch: str) -> str:
    return f"&#{ord(ch)};"


def _in_context(match: re.Match[str]) -> str:
    if match.group(2) is None:
        return _reference(match.group())
    spaces, marker = match.group(1), match.group(2)
    return "&#160;" * len(spaces) + "".join(ch if ch.isdigit() else _reference(ch) for ch in marker)


def markdown_text(text: str, *, hard_breaks: bool = True) -> str:
    """Markdown that renders as exactly `text`: no links, images, HTML, maths or formatting.

    With `hard_breaks`, each newline stays a line break (two trailing spaces).
    """
    escaped = _ALWAYS.sub(lambda m: _reference(m.group()), clean_text(text))
    escaped = _IN_CONTEXT.sub(_in_context, escaped)
    # Leading spaces would make an indented code block; keep them as non-breaking spaces.
    lines = [re.sub(r"^ +", lambda m: "&#160;" * len(m.group()), line) for line in escaped.split("\n")]
    return ("  \n" if hard_breaks else "\n").join(lines)
