"""The `chipcomply` command: a thin shell over the core library.

Each area registers its commands from its own module, so commands stay small and separate.
"""

from __future__ import annotations

import sys
import traceback

import typer

from chipcomply import __version__
from chipcomply.cli import chips
from chipcomply.cli import determination as determination_cli
from chipcomply.cli import lists as lists_cli
from chipcomply.cli import monitor as monitor_cli
from chipcomply.cli import screening as screening_cli
from chipcomply.cli import service as service_cli
from chipcomply.cli.common import err_console
from chipcomply.errors import ChipcomplyError

app = typer.Typer(
    name="chipcomply",
    help="Export-control compliance for AI compute: classify chips, screen parties, "
    "determine licence requirements — with citations, as of any date.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"chipcomply {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """chipcomply command line."""


chips.register(app)
determination_cli.register(app)
service_cli.register(app)
screening_cli.register(app)
lists_cli.register(app)
monitor_cli.register(app)


def main() -> None:
    try:
        app()
    except ChipcomplyError as exc:
        err_console.print(
            f"chipcomply: error: {exc.message}", markup=False, highlight=False, soft_wrap=True
        )
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception:  # a bug, not a user mistake: say so and keep the trace for the report
        err_console.print("chipcomply: internal error (please report):", markup=False)
        traceback.print_exc()
        sys.exit(70)


if __name__ == "__main__":
    main()
