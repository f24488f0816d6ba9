"""The `hotseat` command line: personas, chat, sessions, export, grade, bench, admin."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from hotseat.cli_grade import register as register_grade
from hotseat.errors import HotseatError
from hotseat.personas import Difficulty

app = typer.Typer(help="Hotseat: practise hard customer conversations.", no_args_is_help=True, add_completion=False)
err = Console(stderr=True)
out = Console()


def _fail(exc: HotseatError) -> typer.Exit:
    err.print(f"[red]Error:[/red] {exc.user_message()}", highlight=False)
    return typer.Exit(code=2)


@app.command()
def personas(as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False) -> None:
    """List and validate the personas and their scenarios."""
    from hotseat.personas import PersonaLibrary
    from hotseat.settings import load_settings

    library = PersonaLibrary(load_settings().personas_dir)
    try:
        loaded = library.all()
    except HotseatError as exc:
        raise _fail(exc) from exc
    if as_json:
        data = [
            {
                "id": p.id,
                "title": p.title,
                "loyalty_killer": p.loyalty_killer,
                "scenarios": [{"id": s.id, "title": s.title, "industry": s.industry} for s in p.scenarios],
            }
            for p in loaded
        ]
        print(json.dumps(data, indent=2))
        return
    for p in loaded:
        out.print(f"[bold]{p.id}[/bold] — {p.title}", highlight=False)
        for s in p.scenarios:
            out.print(f"    {s.id}: {s.title} ({s.industry})", highlight=False)


@app.command()
def chat(
    persona: Annotated[str, typer.Option("--persona", "-p", help="Persona id (see `hotseat personas`).")],
    scenario: Annotated[str | None, typer.Option("--scenario", "-s", help="Scenario id.")] = None,
    difficulty: Annotated[Difficulty, typer.Option("--difficulty", "-d")] = Difficulty.UPSET,
    script: Annotated[Path | None, typer.Option("--script", help="Trainee lines, one per line.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole session as JSON.")] = False,
) -> None:
    """Practise in the terminal (same engine as the app)."""
    from hotseat.export import session_to_json
    from hotseat.services import build_services

    try:
        services = build_services()
        engine = services.engine
        session = engine.start(persona, scenario, difficulty, user_id=services.store.local_user_id())
        _, scen = engine.persona_and_scenario(session)
        name = scen.customer.name
        if not as_json:
            out.print(f"[dim]{services.provider_label} · session {session.id}[/dim]", highlight=False)
            out.print(f"[bold]{name}:[/bold] {session.turns[0].text}", highlight=False)
        lines = _script_lines(script) if script else None
        while not session.ended:
            if lines is not None:
                if not lines:
                    break
                text = lines.pop(0)
                if not as_json:
                    out.print(f"[bold cyan]You:[/bold cyan] {text}", highlight=False)
            else:
                try:
                    text = input("You: ")
                except EOFError:
                    break
            try:
                turn = engine.submit(session, text)
            except HotseatError as exc:
                if lines is not None:
                    raise
                err.print(f"[yellow]{exc.user_message()}[/yellow]", highlight=False)
                continue
            if as_json:
                engine.reply_text(session)
                continue
            if turn.note:
                out.print(f"  [dim]{turn.note} · anger {session.mood.anger:.1f}/10[/dim]", highlight=False)
            _stream_reply(engine.respond(session), name)
        if as_json:
            print(session_to_json(session))
        elif session.ended:
            out.print(f"[bold]Ending:[/bold] {session.status.replace('_', ' ')}", highlight=False)
    except HotseatError as exc:
        raise _fail(exc) from exc


def _stream_reply(chunks: Iterator[str], name: str) -> None:
    """Print the customer's reply as it arrives, as the app does."""
    out.print(f"[bold]{name}:[/bold] ", end="", highlight=False)
    out.file.flush()
    for chunk in chunks:
        out.print(chunk, end="", markup=False, highlight=False, soft_wrap=True)
        out.file.flush()
    out.print()


def _script_lines(path: Path) -> list[str]:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {path}: {exc.strerror}") from exc
    return [line.strip() for line in raw.splitlines() if line.strip()]


@app.command()
def sessions(limit: Annotated[int, typer.Option(help="How many to list.")] = 20) -> None:
    """List stored sessions, newest first."""
    from hotseat.services import build_services

    services = build_services()
    for s in services.store.list_sessions(limit=limit):
        out.print(
            f"{s.id}  {s.created_at:%Y-%m-%d %H:%M}  {s.persona_id}/{s.scenario_id}  "
            f"{len(s.trainee_turns())} turns  {s.status}",
            highlight=False,
        )


@app.command()
def export(
    session_id: Annotated[str, typer.Argument(help="The session id (see `hotseat sessions`).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="json, md, or html (a printable report).")] = "json",
) -> None:
    """Print a session as JSON, Markdown or a printable HTML report (graded if not yet)."""
    from hotseat.export import session_to_json, session_to_markdown
    from hotseat.services import build_services

    if fmt not in {"json", "md", "html"}:
        raise typer.BadParameter("--format must be json, md or html")
    try:
        services = build_services()
        session = services.store.load_session(session_id)
        persona, scen = services.engine.persona_and_scenario(session)
        if fmt == "json":
            text = session_to_json(session)
        elif fmt == "md":
            text = session_to_markdown(session, customer_name=scen.customer.name)
        else:
            from hotseat.debrief import build_debrief, evaluation_for
            from hotseat.providers.factory import build_judge_model
            from hotseat.report import session_report_html

            evaluation = evaluation_for(services.store, session, build_judge_model(services.settings), facts=scen.facts)
            text = session_report_html(session, build_debrief(session, persona, scen, evaluation))
    except HotseatError as exc:
        raise _fail(exc) from exc
    sys.stdout.write(text + "\n")


@app.command()
def bench(as_json: Annotated[bool, typer.Option("--json", help="Print figures as one JSON object.")] = False) -> None:
    """Run the benchmarks under benchmarks/ and print their figures."""
    from hotseat.benchmarking import run_all

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


def main() -> None:
    """Entry point of the `hotseat` console script."""
    app()


if __name__ == "__main__":
    main()
