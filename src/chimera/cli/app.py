"""The Typer application, global flags, and the one place errors become exit codes.

Each command lives in its own ``*_cmd`` module exposing ``register(app)``. Failures
raised as ``ChimeraError`` print as one line (exit 1); usage errors exit 2. A
traceback is shown only with ``--debug``.
"""

from __future__ import annotations

import importlib
import logging
import sys

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape

from chimera.errors import ChimeraError, UsageError

COMMAND_MODULES = (
    "chimera.cli.run_cmd",
    "chimera.cli.compare_cmd",
    "chimera.cli.sweep_cmd",
    "chimera.cli.ingest_cmd",
    "chimera.cli.query_cmd",
)

err_console = Console(stderr=True)
app = typer.Typer(
    name="chimera",
    help="Benchmark LLM agents and write grounded reports about benchmark artifacts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


class _State:
    debug = False


@app.callback()
def _global_options(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log each call."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors."),
) -> None:
    _State.debug = debug
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(
        level=level,
        format="%(message)s",
        handlers=[RichHandler(console=err_console, show_path=False)],
    )


def _register_commands() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(app)


def main() -> None:
    """Console-script entry point."""
    _register_commands()
    try:
        # Without standalone mode Click returns the code of a `typer.Exit`.
        exit_code = app(standalone_mode=False)
    except ChimeraError as error:
        if _State.debug:
            err_console.print_exception()
        # Messages quote TOML tables and pydantic locations such as `[key]`: they
        # are text, not Rich markup.
        message = escape(error.one_line())
        err_console.print(f"[bold red]error:[/] {message}", highlight=False)
        sys.exit(2 if isinstance(error, UsageError) else 1)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(1)
    except (typer.BadParameter, typer.Exit) as exc:
        _exit_for_click(exc)
    except Exception as exc:  # the CLI boundary: nothing escapes as a traceback
        _exit_for_click(exc)
    if isinstance(exit_code, int) and exit_code:
        sys.exit(exit_code)


def _exit_for_click(exc: BaseException) -> None:
    """Map Click's own exceptions (usage errors, --help exits) to exit codes.

    Recent Typer releases ship their own copy of Click, whose exceptions derive
    from ``typer.TyperException`` rather than ``click.ClickException``; both kinds
    are recognised by what they offer (``show`` and ``exit_code``).
    """
    import click

    if isinstance(exc, typer.Exit | click.exceptions.Exit):
        sys.exit(exc.exit_code)
    if isinstance(exc, typer.TyperException | click.ClickException) and hasattr(
        exc, "show"
    ):
        exc.show(file=sys.stderr)
        sys.exit(getattr(exc, "exit_code", 2))
    if _State.debug:
        raise exc
    err_console.print(
        f"[bold red]unexpected error:[/] {escape(f'{type(exc).__name__}: {exc}')} "
        "(run with --debug for the traceback)",
        highlight=False,
    )
    sys.exit(1)
