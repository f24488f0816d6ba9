"""What every page needs, resolved once per script run and passed down; and the opening every page shares."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import NoReturn

import streamlit as st

from hotseat.org.accounts import Actor, Role
from hotseat.services import Services
from hotseat.ui.state import UiState, current_actor, remember_session, services, show_flash, ui_state


@dataclass
class PageContext:
    """The services, this tab's state and who is signed in, for one script run; and the pages to link to."""

    svc: Services
    state: UiState
    actor: Actor
    links: dict[str, st.Page] = field(default_factory=dict)  # route key -> the page st.navigation runs

    def open(self, title: str | None = None, *, roles: Collection[Role] | None = None, refusal: str = "") -> bool:
        """Title, the pending notices and the role check; False (and `refusal` shown) when this user may not."""
        if title:
            st.title(title)
        show_flash()
        if roles is not None and self.actor.role not in roles:
            st.info(refusal)
            return False
        return True

    def switch_to(self, key: str) -> NoReturn:
        """Go to another page of the app (a route key of hotseat.ui.routes)."""
        st.switch_page(self.links[key])

    def practise(self, session_id: str, *, fresh: bool = False) -> NoReturn:
        """Open a session on the practice page (`fresh`: a session just started, so no old message carries over)."""
        remember_session(self.state, session_id)
        if fresh:
            self.state.clear_messages()
        self.switch_to("practice")


def page_context() -> PageContext:
    """This run's context: the cached services, this tab's state, and the signed-in user, read once."""
    svc = services()
    return PageContext(svc=svc, state=ui_state(), actor=current_actor(svc))
