"""The app's pages for this run's user: the one module that imports the page modules."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import streamlit as st

from hotseat.ui import (
    admin_page,
    authoring_page,
    calibration_page,
    cohorts_page,
    history_page,
    practice_page,
    progress_page,
    review_page,
    signin_page,
)
from hotseat.ui.context import PageContext
from hotseat.ui.routes import DEFAULT, ROUTES, menu_keys

RENDERERS: dict[str, Callable[[PageContext], None]] = {
    "practice": practice_page.render,
    "history": history_page.render,
    "progress": progress_page.render,
    "cohorts": cohorts_page.render,
    "review": review_page.render,
    "calibration": calibration_page.render,
    "admin": admin_page.render,
    "authoring": authoring_page.render,
    "signin": signin_page.render,
    "signout": signin_page.render,
}


def pages(page: PageContext) -> list[st.Page]:
    """The pages this run's user may open, in menu order, each rendering with `page`; they become its links."""
    page.links = {
        key: st.Page(
            partial(RENDERERS[key], page),
            title=ROUTES[key].title,
            icon=ROUTES[key].icon,
            url_path=ROUTES[key].url_path,
            default=key == DEFAULT,
        )
        for key in menu_keys(page.actor)
    }
    return list(page.links.values())
