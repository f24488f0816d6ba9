"""The `grade` commands on a Typer app of their own, as the grading tests drive them."""

from __future__ import annotations

import typer

from hotseat.cli import grade as cli_grade


def grade_cli() -> typer.Typer:
    """A Typer app with only the grading commands registered."""
    cli = typer.Typer()

    @cli.callback()
    def main() -> None:
        """Test CLI."""

    cli_grade.register(cli)
    return cli
