"""User text is shown as text: in the chat (Streamlit Markdown) and in `hotseat export --format md`."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from helpers_engine import make_engine
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest
from support import PROJECT_ROOT

from hotseat.review.export import session_to_markdown
from hotseat.text import markdown_text

HOSTILE = [
    "![p](http://evil.example/pixel.png) and https://evil.example/a_b.c?x=1",
    "<script>alert(1)</script> <img src=x onerror=alert(1)>",
    "[click me](javascript:alert(1)) www.evil.example mail bob@evil.example",
    "**bold** _it_ `code` # not a heading\n    indented\n> quoted\n- item\n1. one",
    "a \\ backslash, C:\\Users\\me and :red[colour] $x^2$ ~~gone~~ | table |",
]

# CommonMark with raw HTML allowed: the strictest place to check that nothing turns into markup.
RENDER = MarkdownIt("commonmark", {"html": True})


def _visible(rendered: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_text_renders_as_exactly_the_text(text: str) -> None:
    source = markdown_text(text)
    rendered = RENDER.render(source)
    assert not re.search(r"<(a|img|script|em|strong|code|h\d|pre|blockquote|li|table|del)\b", rendered), rendered
    assert _visible(rendered).replace("\n", "") == text.replace("\n", "").replace("\u00a0", " ") or (
        _visible(rendered).replace("\u00a0", " ").split() == text.split()
    )
    # GitHub-style autolinking (Streamlit's remark-gfm) needs these sequences in the source.
    for trigger in ("://", "www.", "@", "\\"):
        assert trigger not in source


def test_markdown_export_copies_nothing_that_runs(tmp_path: Path) -> None:
    engine = make_engine(tmp_path)
    session = engine.start("policy-over-problem")
    for line in HOSTILE[:3]:
        engine.say(session, line)
    exported = session_to_markdown(session)
    rendered = RENDER.render(exported)
    assert not re.search(r"<(a|img|script)\b", rendered), rendered
    for line in HOSTILE[:3]:
        assert line in _visible(rendered)


def test_chat_shows_a_trainee_link_or_image_as_text() -> None:
    from hotseat.ui.state import services

    services.clear()
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30)
    at.run()
    at.button(key="start").click().run()
    at.chat_input(key="chat").set_value(HOSTILE[0]).run()
    assert not at.exception
    shown = at.chat_message[1].markdown[0].value
    assert "![" not in shown and "://" not in shown and "\\" not in shown
    assert _visible(RENDER.render(shown)).strip() == HOSTILE[0]


@pytest.mark.server
def test_a_streamed_llm_reply_is_shown_as_text_too(openai_env: object) -> None:
    """A customer model talked into writing Markdown (an image, a link) has it shown as text.

    (The page after the reply is checked; the streaming itself now goes through the same escaping,
    which AppTest cannot observe mid-run.)
    """
    from support.openai_server import OpenAIServer

    from hotseat.ui.state import services

    assert isinstance(openai_env, OpenAIServer)
    openai_env.enqueue("Fine. ![pixel](http://evil.example/p.png) see [this](javascript:alert(1))")
    services.clear()
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30)
    at.run()
    at.button(key="start").click().run()
    at.chat_input(key="chat").set_value("What happened?").run()
    assert not at.exception, at.exception
    reply = at.chat_message[2].markdown[1].value
    assert "![" not in reply and "](" not in reply and "://" not in reply
    services.clear()
