"""The `hotseat` command line: personas, chat, sessions, export, grade, bench, admin."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from typer.core import TyperGroup

from hotseat.cli.grade import register as register_grade
from hotseat.errors import HotseatError, NotFoundError, ProviderError, StorageError
from hotseat.practice.personas import Difficulty

if TYPE_CHECKING:
    from hotseat.authoring.catalog import PersonaCatalog
    from hotseat.authoring.check import CheckReport
    from hotseat.practice.engine import PracticeEngine
    from hotseat.practice.personas import Persona
    from hotseat.practice.session import PracticeSession

err = Console(stderr=True)
out = Console()


def _fail(exc: HotseatError) -> typer.Exit:
    # The message may quote what the user typed: escape it, so "[/x]" is shown, not read as rich markup.
    err.print(f"[red]Error:[/red] {escape(exc.user_message())}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def as_hotseat_error(exc: Exception) -> HotseatError:
    """A HotseatError for any failure a command can meet: its own, the database's, or the file system's."""
    if isinstance(exc, HotseatError):
        return exc
    if isinstance(exc, SQLAlchemyError):
        from hotseat.storage.store import unavailable

        return unavailable(exc)
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        return StorageError(
            f"Cannot read or write{where}: {exc.strerror or exc}.",
            hint="Check that HOTSEAT_DATA_DIR (default ./.hotseat) is writable and the disk is not full.",
        )
    raise exc


class _Commands(TyperGroup):
    """Every command (and sub-command) ends in one clear message, never a traceback, for expected failures."""

    def invoke(self, ctx: Any) -> Any:  # typer's vendored click.Context
        try:
            return super().invoke(ctx)
        except (HotseatError, SQLAlchemyError, OSError) as exc:
            raise _fail(as_hotseat_error(exc)) from exc


app = typer.Typer(
    cls=_Commands, help="Hotseat: practise hard customer conversations.", no_args_is_help=True, add_completion=False
)


personas_app = typer.Typer(
    help="List, validate, import and export personas (built-in files and custom ones in the database)."
)
app.add_typer(personas_app, name="personas")


def _catalog() -> PersonaCatalog:
    """The persona catalog over the configured persona folder and database (the prompt files are not needed)."""
    from hotseat.authoring.catalog import PersonaCatalog
    from hotseat.practice.personas import PersonaLibrary
    from hotseat.settings import load_settings
    from hotseat.storage import Store

    settings = load_settings()
    return PersonaCatalog(PersonaLibrary(settings.personas_dir), Store.open(settings.resolved_database_url()))


@personas_app.callback(invoke_without_command=True)
def personas(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False
) -> None:
    """List and validate the personas and their scenarios (and check the prompt files); custom ones are marked."""
    if ctx.invoked_subcommand is not None:
        return
    from hotseat.practice.personas import PersonaLibrary
    from hotseat.prompts import PromptLibrary
    from hotseat.settings import load_settings

    settings = load_settings()
    loaded, broken_personas = PersonaLibrary(settings.personas_dir).load_all()
    broken: list[HotseatError] = list(broken_personas)
    try:
        PromptLibrary(settings.prompts_dir).check()
    except HotseatError as exc:
        broken.append(exc)
    custom: list[tuple[Persona, str, int | None, int | None]] = []  # persona, marker, published, latest
    try:
        catalog = _catalog()
        for entry in catalog.entries(include_unpublished=True):
            if entry.custom:
                try:
                    shown = catalog.get(entry.id, entry.published_version or entry.latest_version)
                except HotseatError as exc:
                    broken.append(exc)
                    continue
                custom.append((shown, entry.marker, entry.published_version, entry.latest_version))
    except (HotseatError, SQLAlchemyError) as exc:  # the database is down: the files are still listed
        broken.append(as_hotseat_error(exc))
    for problem in broken:  # each broken file is reported; the others are listed as usual
        err.print(f"[red]Error:[/red] {escape(problem.user_message())}", highlight=False, soft_wrap=True)
    if as_json:
        data: list[dict[str, Any]] = [_persona_json(p) | {"custom": False} for p in loaded]
        data += [
            _persona_json(p) | {"custom": True, "published_version": published, "latest_version": latest}
            for p, _marker, published, latest in custom
        ]
        print(json.dumps(data, indent=2))
    else:
        for p in loaded:
            _print_persona(p, "")
        for p, marker, _published, _latest in custom:
            _print_persona(p, f"  [{marker}]")
    if broken:
        raise typer.Exit(code=1)


def _persona_json(p: Persona) -> dict[str, Any]:
    return {
        "id": p.id,
        "title": p.title,
        "loyalty_killer": p.loyalty_killer,
        "scenarios": [{"id": s.id, "title": s.title, "industry": s.industry} for s in p.scenarios],
    }


def _print_persona(p: Persona, marker: str) -> None:
    out.print(f"[bold]{p.id}[/bold] — {escape(p.title)}{escape(marker)}", highlight=False)
    for s in p.scenarios:
        out.print(f"    {s.id}: {escape(s.title)} ({escape(s.industry)})", highlight=False)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {path}: {exc.strerror}") from exc


def _print_check(report: CheckReport) -> None:
    verdict = "passed" if report.passed else "did not pass"
    out.print(
        f"Built-in check of {report.persona_id} (difficulty {report.difficulty.value}): {verdict}",
        markup=False,
        highlight=False,
    )
    out.print(report.summary(), markup=False, highlight=False, soft_wrap=True)


@personas_app.command("validate")
def personas_validate(
    file: Annotated[Path, typer.Argument(help="A persona YAML file.")],
    persona_id: Annotated[str | None, typer.Option("--id", help="The persona id (default: the file's id:).")] = None,
    check: Annotated[bool, typer.Option("--check", help="Also run the built-in check (example replies).")] = False,
) -> None:
    """Validate a persona file with the same models as the built-in ones (exit 2 with each field's error)."""
    from hotseat.authoring.check import check_persona
    from hotseat.authoring.validation import persona_from_yaml
    from hotseat.settings import load_settings

    persona = persona_from_yaml(_read(file), persona_id=persona_id, default_id=file.stem, source=file.name)
    out.print(f"{file.name} is valid: {persona.id}, {len(persona.scenarios)} scenario(s).", markup=False)
    if check:
        report = check_persona(persona, load_settings())
        _print_check(report)
        if not report.passed:
            raise typer.Exit(code=1)


@personas_app.command("import")
def personas_import(
    file: Annotated[Path, typer.Argument(help="A persona YAML file (e.g. from `hotseat personas export`).")],
    persona_id: Annotated[
        str | None, typer.Option("--id", help="The persona id (default: the file's id:, else its name).")
    ] = None,
    publish_it: Annotated[
        bool, typer.Option("--publish", help="Run the built-in check and publish if it passes.")
    ] = False,
) -> None:
    """Import a persona into the database: a new custom persona, or a new version of an existing one."""
    from hotseat.authoring.operations import import_yaml, publish
    from hotseat.settings import load_settings

    catalog = _catalog()
    info = import_yaml(
        catalog.store, catalog, None, _read(file), persona_id=persona_id, default_id=file.stem, source=file.name
    )
    out.print(f"Imported {info.persona_id} version {info.version}.", markup=False, highlight=False)
    if publish_it:
        published = publish(catalog.store, catalog, None, info.persona_id, load_settings(), info.version)
        out.print(f"Published {published.persona_id} version {published.version}.", markup=False, highlight=False)
    else:
        out.print(
            f"Not published yet: `hotseat personas publish {info.persona_id}` runs the built-in check and publishes.",
            markup=False,
            highlight=False,
        )


@personas_app.command("export")
def personas_export(
    persona_id: Annotated[str, typer.Argument(help="A persona id (built-in or custom).")],
    version: Annotated[int | None, typer.Option("--version", help="A custom persona's version.")] = None,
) -> None:
    """Print a persona as YAML (built-in or custom); `hotseat personas import` reads it back."""
    from hotseat.authoring.operations import export_yaml

    sys.stdout.write(export_yaml(_catalog(), persona_id, version))


@personas_app.command("check")
def personas_check(
    persona_id: Annotated[str, typer.Argument(help="A custom persona's id.")],
    version: Annotated[int | None, typer.Option("--version", help="The version (default: the newest).")] = None,
) -> None:
    """Run the built-in check on a custom persona: its good replies must win the customer back, bad ones not."""
    from hotseat.authoring.operations import run_check
    from hotseat.settings import load_settings

    catalog = _catalog()
    report = run_check(catalog.store, catalog, None, persona_id, load_settings(), version)
    _print_check(report)
    if not report.passed:
        raise typer.Exit(code=1)


@personas_app.command("publish")
def personas_publish(
    persona_id: Annotated[str, typer.Argument(help="A custom persona's id.")],
    version: Annotated[int | None, typer.Option("--version", help="The version (default: the newest).")] = None,
) -> None:
    """Publish a custom persona's version once its built-in check passes: trainees then play it."""
    from hotseat.authoring.operations import publish
    from hotseat.settings import load_settings

    catalog = _catalog()
    info = publish(catalog.store, catalog, None, persona_id, load_settings(), version)
    out.print(f"Published {info.persona_id} version {info.version}.", markup=False, highlight=False)


@personas_app.command("versions")
def personas_versions(persona_id: Annotated[str, typer.Argument(help="A custom persona's id.")]) -> None:
    """List a custom persona's versions (the published one marked)."""
    for v in _catalog().versions(persona_id):
        check = {None: "not checked", True: "check passed", False: "check failed"}[v.check_passed]
        mark = "  (published: trainees play this)" if v.current else ""
        out.print(
            f"v{v.version}  {v.created_at:%Y-%m-%d %H:%M}  {check}  {v.note}{mark}".rstrip(),
            markup=False,
            highlight=False,
        )


@app.command()
def chat(
    persona: Annotated[str | None, typer.Option("--persona", "-p", help="Persona id (see `hotseat personas`).")] = None,
    scenario: Annotated[str | None, typer.Option("--scenario", "-s", help="Scenario id.")] = None,
    difficulty: Annotated[Difficulty, typer.Option("--difficulty", "-d")] = Difficulty.UPSET,
    script: Annotated[Path | None, typer.Option("--script", help="Trainee lines, one per line.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole session as JSON.")] = False,
    resume: Annotated[
        str | None,
        typer.Option("--resume", metavar="SESSION", help="Continue a stored session (a lost reply is fetched again)."),
    ] = None,
    persona_version: Annotated[
        int | None,
        typer.Option("--persona-version", help="A custom persona's version (default: published, else the newest)."),
    ] = None,
) -> None:
    """Practise in the terminal (same engine as the app)."""
    from hotseat.review.export import session_to_json
    from hotseat.services import build_services

    if (persona is None) == (resume is None):
        raise typer.BadParameter("give --persona to start a session, or --resume SESSION to continue one")
    lines = _script_lines(script) if script else None
    services = build_services()
    engine = services.engine
    if resume is not None:
        session = engine.load(resume)
    else:
        assert persona is not None
        if persona_version is None and services.personas.is_custom(persona):  # the operator may try a draft
            entry = next(e for e in services.personas.entries(include_unpublished=True) if e.id == persona)
            persona_version = entry.published_version or entry.latest_version
        session = engine.start(
            persona, scenario, difficulty, user_id=services.store.local_user_id(), persona_version=persona_version
        )
    _, scen = engine.persona_and_scenario(session)
    name = scen.customer.name
    refused = 0
    if not as_json:
        out.print(f"[dim]{services.provider_label} · session {session.id}[/dim]", highlight=False)
        for turn in session.turns:
            who = f"[bold]{name}:[/bold]" if turn.role == "customer" else "[bold cyan]You:[/bold cyan]"
            out.print(who, _plain(turn.text), highlight=False)
    try:
        if session.awaiting_reply:  # the reply to the last turn was lost (crash, outage): fetch it again
            _reply(engine, session, name, None, as_json)
        while not session.ended:
            if lines is not None:
                if not lines:
                    break
                number, text = lines.pop(0)
                if not as_json:
                    out.print("[bold cyan]You:[/bold cyan]", _plain(text), highlight=False)
            else:
                try:
                    text = _prompt("You: ", to_stderr=as_json)
                except EOFError:
                    break
                except KeyboardInterrupt:
                    err.print(
                        f"\nStopped. Continue with: hotseat chat --resume {session.id}", markup=False, highlight=False
                    )
                    raise typer.Exit(code=130) from None
            try:
                turn = engine.submit(session, text)
            except StorageError:
                raise
            except HotseatError as exc:
                if lines is not None:  # a bad script line is reported and skipped; the run goes on
                    refused += 1
                    err.print(f"script line {number}: skipped: {exc.message}", markup=False, highlight=False)
                else:
                    err.print(exc.message, markup=False, highlight=False, style="yellow")
                continue
            _reply(engine, session, name, turn.note, as_json)
    except HotseatError as exc:
        if isinstance(exc, StorageError | ProviderError):
            err.print(
                f"Session {session.id} is saved up to the last stored turn. "
                f"Continue it with: hotseat chat --resume {session.id}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        raise _fail(exc) from exc
    if as_json:
        print(session_to_json(session))
    elif session.ended:
        out.print(f"[bold]Ending:[/bold] {session.status.replace('_', ' ')}", highlight=False)
    if refused:
        raise typer.Exit(code=1)


def _plain(text: str) -> Text:
    return Text(text)  # printed as typed: never read as rich markup


def _prompt(label: str, *, to_stderr: bool) -> str:
    """Read one line; with --json the prompt goes to stderr so stdout stays pure JSON."""
    if not to_stderr:
        return input(label)
    sys.stderr.write(label)
    sys.stderr.flush()
    return input()


def _reply(engine: PracticeEngine, session: PracticeSession, name: str, note: str | None, as_json: bool) -> None:
    if as_json:
        engine.reply_text(session)
        return
    if note:
        out.print(f"  [dim]{escape(note)} · anger {session.mood.anger:.1f}/10[/dim]", highlight=False)
    _stream_reply(engine.respond(session), name)


def _stream_reply(chunks: Iterator[str], name: str) -> None:
    """Print the customer's reply as it arrives, as the app does (printed as text, never as markup)."""
    out.print(f"[bold]{name}:[/bold] ", end="", highlight=False)
    out.file.flush()
    for chunk in chunks:
        out.print(chunk, end="", markup=False, highlight=False, soft_wrap=True)
        out.file.flush()
    out.print()


def _script_lines(path: Path) -> list[tuple[int, str]]:
    try:
        raw = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {path}: {exc.strerror}") from exc
    return [(n, line.strip()) for n, line in enumerate(raw.splitlines(), start=1) if line.strip()]


@app.command()
def sessions(
    limit: Annotated[int, typer.Option(help="How many to list.")] = 20,
    user: Annotated[str | None, typer.Option("--user", "-u", help="Only this user's sessions.")] = None,
) -> None:
    """List stored sessions of every user, newest first (an operator's view: see README, Command line)."""
    from sqlalchemy import select

    from hotseat.services import build_services
    from hotseat.storage.schema import UserRow

    store = build_services().store
    with store.transaction() as db:
        owners = {row.id: row.username for row in db.scalars(select(UserRow))}
    user_id = None
    if user is not None:
        user_id = next((i for i, name in owners.items() if name == user.strip().lower()), None)
        if user_id is None:
            raise NotFoundError(f"No user {user!r}.", hint="Usernames are listed in the app's Cohorts page.")
    for s in store.list_sessions(user_id=user_id, limit=limit):
        out.print(
            f"{s.id}  {s.created_at:%Y-%m-%d %H:%M}  {owners.get(s.user_id or -1, '-')}  "
            f"{s.persona_id}/{s.scenario_id}  {len(s.trainee_turns())} turns  {s.status}",
            highlight=False,
            markup=False,
        )


@app.command()
def export(
    session_id: Annotated[str, typer.Argument(help="The session id (see `hotseat sessions`).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="json, md, or html (a printable report).")] = "json",
) -> None:
    """Print a session as JSON, Markdown or a printable HTML report (graded if not yet).

    JSON and Markdown include the final scores (a grader's review, else the evaluator's grade) once graded.
    """
    from hotseat.org.reviews import session_final_scores
    from hotseat.review.export import session_to_json, session_to_markdown
    from hotseat.services import build_services

    if fmt not in {"json", "md", "html"}:
        raise typer.BadParameter("--format must be json, md or html")
    try:
        services = build_services()
        session = services.store.load_session(session_id)
        persona, scen = services.engine.persona_and_scenario(session)
        final = session_final_scores(services.store, session.id)
        final_dict = final.as_dict() if final is not None else None
        if fmt == "json":
            text = session_to_json(session, final_scores=final_dict)
        elif fmt == "md":
            text = session_to_markdown(session, customer_name=scen.customer.name, final_scores=final_dict)
        else:
            from hotseat.providers.factory import build_judge_model
            from hotseat.review.debrief import build_debrief
            from hotseat.review.grades import evaluation_for
            from hotseat.review.report import session_report_html

            evaluation = evaluation_for(
                services.store, session, build_judge_model(services.settings), facts=scen.story()
            )
            text = session_report_html(session, build_debrief(session, persona, scen, evaluation))
    except HotseatError as exc:
        raise _fail(exc) from exc
    sys.stdout.write(text + "\n")


@app.command()
def bench(as_json: Annotated[bool, typer.Option("--json", help="Print figures as one JSON object.")] = False) -> None:
    """Run the benchmarks under benchmarks/ and print their figures."""
    from hotseat.quality.benchmarking import run_all

    figures = run_all()
    if as_json:
        print(json.dumps(figures, indent=2))
        return
    for name, values in figures.items():
        out.print(f"[bold]{name}[/bold]", highlight=False)
        for key, value in values.items():
            out.print(f"  {key}: {value}", highlight=False)


register_grade(app)

admin_app = typer.Typer(help="Accounts for running cohorts.", no_args_is_help=True)
app.add_typer(admin_app, name="admin")


@admin_app.command("create")
def admin_create(
    username: Annotated[str, typer.Argument(help="The admin's username (e.g. an email address).")],
    display_name: Annotated[str, typer.Option("--name", help="The name shown in the app.")] = "",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Create the first admin of a deployment (refused once an admin exists)."""
    from hotseat.org.accounts import bootstrap_admin
    from hotseat.services import build_services

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        admin = bootstrap_admin(build_services().store, username, password, display_name=display_name)
    except HotseatError as exc:
        raise _fail(exc) from exc
    out.print(f"Admin [bold]{admin.username}[/bold] created: sign in to the app with it.", highlight=False)


@admin_app.command("unlock")
def admin_unlock(username: Annotated[str, typer.Argument(help="The locked account's username.")]) -> None:
    """Unlock an account locked after too many failed sign-ins (and clear its back-off)."""
    import getpass

    from hotseat.org.signin import unlock
    from hotseat.services import build_services

    unlock(build_services().store, username, by=f"cli:{getpass.getuser()}")
    out.print(f"{escape(username.strip().lower())} is unlocked.", highlight=False)


@admin_app.command("allow-sso")
def admin_allow_sso(username: Annotated[str, typer.Argument(help="The account's username (its email).")]) -> None:
    """Let single sign-on with this verified email claim this password account (link it on first sign-in)."""
    from hotseat.org.accounts import allow_sso_link
    from hotseat.services import build_services

    actor = allow_sso_link(build_services().store, username)
    out.print(
        f"{escape(actor.username)} will be linked to the single sign-on identity that first signs in with that "
        "verified email.",
        highlight=False,
    )


@admin_app.command("sign-ins")
def admin_sign_ins(
    user: Annotated[str | None, typer.Option("--user", "-u", help="Only this username.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
) -> None:
    """The sign-in log: every attempt, its client and outcome (ok, failed, throttled, locked, unlocked)."""
    from hotseat.org.signin import sign_in_log
    from hotseat.services import build_services

    for e in sign_in_log(build_services().store, username=user, limit=limit):
        out.print(
            f"{e.at:%Y-%m-%d %H:%M:%S}  {e.outcome:<9}  {e.method:<8}  {e.username}  {e.client}  {e.detail}".rstrip(),
            highlight=False,
            markup=False,
        )


def main() -> None:
    """Entry point of the `hotseat` console script."""
    app()
