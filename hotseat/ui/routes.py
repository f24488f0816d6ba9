"""The app's pages as data: key, title, icon and URL path, and the menu each role sees (no page imports)."""

from __future__ import annotations

from dataclasses import dataclass

from hotseat.org.accounts import Actor, Role


@dataclass(frozen=True)
class Route:
    """One page of the app, as the menu and links name it."""

    title: str
    icon: str
    url_path: str


ROUTES: dict[str, Route] = {
    "practice": Route("Practice", "🔥", "practice"),
    "history": Route("My sessions", "🗂️", "history"),
    "progress": Route("My progress", "📈", "progress"),
    "cohorts": Route("My cohorts", "🎓", "cohorts"),
    "review": Route("Review queue", "📝", "review"),
    "calibration": Route("Calibration", "⚖️", "calibration"),
    "admin": Route("Cohorts", "🏫", "admin"),
    "authoring": Route("Customers", "✍️", "customers"),
    "signin": Route("Sign in", "🔑", "account"),
    "signout": Route("Sign out", "🚪", "account"),
}
DEFAULT = "practice"
EVERYONE = ("practice", "history", "progress")
BY_ROLE: dict[Role, tuple[str, ...]] = {
    Role.TRAINEE: ("cohorts",),
    Role.GRADER: ("review", "calibration"),
    Role.AUTHOR: ("authoring",),
    Role.ADMIN: ("admin", "authoring", "review", "calibration"),
}
LANDING: dict[Role, str] = {
    Role.TRAINEE: "cohorts",
    Role.GRADER: "review",
    Role.AUTHOR: "authoring",
    Role.ADMIN: "admin",
}


def menu_keys(actor: Actor) -> list[str]:
    """The keys of the pages this user may open, in menu order."""
    if actor.is_local:
        return [*EVERYONE, "authoring", "signin"]  # the page says when accounts exist and one must sign in
    if actor.must_change_password:  # a temporary password: the account page (to change it) until it is changed
        return ["signout"]
    return [*EVERYONE, *BY_ROLE.get(actor.role, ()), "signout"]


def landing_key(actor: Actor) -> str:
    """The page a user starts on after signing in."""
    return DEFAULT if actor.is_local else LANDING.get(actor.role, DEFAULT)
