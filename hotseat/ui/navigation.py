"""The app's pages, built once so pages can link to each other; the menu depends on who is signed in."""

from __future__ import annotations

from functools import cache

import streamlit as st

from hotseat.org.accounts import Actor, Role

EVERYONE = ("practice", "history", "progress")
BY_ROLE: dict[Role, tuple[str, ...]] = {
    Role.TRAINEE: ("cohorts",),
    Role.GRADER: ("review", "calibration"),
    Role.ADMIN: ("admin", "review", "calibration"),
}
LANDING: dict[Role, str] = {Role.TRAINEE: "cohorts", Role.GRADER: "review", Role.ADMIN: "admin"}


@cache
def all_pages() -> dict[str, st.Page]:
    """Page key -> Streamlit page, every page of the app."""
    from hotseat.ui import (
        admin_page,
        calibration_page,
        cohorts_page,
        history_page,
        practice_page,
        progress_page,
        review_page,
        signin_page,
    )

    return {
        "practice": st.Page(practice_page.render, title="Practice", icon="🔥", url_path="practice", default=True),
        "history": st.Page(history_page.render, title="My sessions", icon="🗂️", url_path="history"),
        "progress": st.Page(progress_page.render, title="My progress", icon="📈", url_path="progress"),
        "cohorts": st.Page(cohorts_page.render, title="My cohorts", icon="🎓", url_path="cohorts"),
        "review": st.Page(review_page.render, title="Review queue", icon="📝", url_path="review"),
        "calibration": st.Page(calibration_page.render, title="Calibration", icon="⚖️", url_path="calibration"),
        "admin": st.Page(admin_page.render, title="Cohorts", icon="🏫", url_path="admin"),
        "signin": st.Page(signin_page.render, title="Sign in", icon="🔑", url_path="account"),
        "signout": st.Page(signin_page.render, title="Sign out", icon="🚪", url_path="account"),
    }


def menu_keys(actor: Actor) -> list[str]:
    """The keys of the pages this user may open, in menu order."""
    if actor.is_local:
        return [*EVERYONE, "signin"]
    return [*EVERYONE, *BY_ROLE.get(actor.role, ()), "signout"]


def landing_key(actor: Actor) -> str:
    """The page a user starts on after signing in."""
    return "practice" if actor.is_local else LANDING.get(actor.role, "practice")


def pages(actor: Actor | None = None) -> dict[str, st.Page]:
    """Page key -> Streamlit page, in menu order, for `actor` (default: the user of this browser tab)."""
    if actor is None:
        from hotseat.ui.state import current_actor, services

        actor = current_actor(services())
    every = all_pages()
    return {key: every[key] for key in menu_keys(actor)}
