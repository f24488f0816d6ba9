"""The app's pages, built once so pages can link to each other."""

from __future__ import annotations

from functools import cache

import streamlit as st


@cache
def pages() -> dict[str, st.Page]:
    """Page key -> Streamlit page, in menu order."""
    from hotseat.ui import history_page, practice_page, progress_page

    return {
        "practice": st.Page(practice_page.render, title="Practice", icon="🔥", url_path="practice", default=True),
        "history": st.Page(history_page.render, title="My sessions", icon="🗂️", url_path="history"),
        "progress": st.Page(progress_page.render, title="My progress", icon="📈", url_path="progress"),
    }
