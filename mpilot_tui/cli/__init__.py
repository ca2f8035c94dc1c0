"""The ``mpilot-tui`` command: the browser by default, plus headless subcommands.

Data goes to stdout and narration to stderr. Exit codes: 0 ok, 1 the gateway answered an
error, 2 usage or configuration error, 3 connection or timeout, 4 the gateway's answer was
not what the API promises, 70 the app stopped on an unexpected error, 130 interrupted
(143 and 129 after SIGTERM and SIGHUP).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from importlib import import_module
from typing import Any, ClassVar

import click

from .. import __version__, collector
from .common import EXIT_CODES_HELP, connection_options, handle_errors, merged_connection, warn
from .demo_server import register as register_demo_server
from .streams import fit_streams_to_encoding

__all__ = ["DEMO_BROWSER_REQUESTS_PER_SECOND", "VIEWS", "main"]

VIEWS = ("files", "container-files", "requests")
"""What ``--view`` takes: the browser's views by their user-facing names."""
DEMO_BROWSER_REQUESTS_PER_SECOND = 0.5
"""New requests a second the in-process demo lets arrive in the browser (``--demo``), so
that the Requests view's live mode has something to follow; the headless commands keep the
demo still (their answers do not change between two runs)."""


class _Root(click.Group):
    """The root group; the commands of :attr:`lazy` are loaded only when asked for.

    ``profiles``/``config`` pull in the config package, ``logs``/``cache-stats`` the
    request log's models and filters, and the listing commands the writers, the table and
    the progress line, which every other command (and the browser's cold start) would
    otherwise pay for.
    """

    lazy: ClassVar[dict[str, str]] = {
        "files": "listing",
        "container-files": "listing",
        "containers": "listing",
        "config": "profiles",
        "profiles": "profiles",
        "logs": "logs",
        "cache-stats": "logs",
    }
    """Command name: the module of this package whose ``register`` adds it."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = self.lazy.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            import_module(f"{__name__}.{module}").register(self)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=_Root,
    invoke_without_command=True,
    epilog=EXIT_CODES_HELP,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@connection_options
@click.option(
    "--view",
    type=click.Choice(VIEWS),
    help="The view the browser opens on (default: the profile's default_mode, else files).",
)
@click.version_option(__version__, "-V", "--version", prog_name="mpilot-tui")
@click.pass_context
@handle_errors
def main(ctx: click.Context, /, view: str | None = None, **connection: Any) -> None:
    """Browse the files and container files an MPilot/Bifrost gateway holds.

    Without a command, opens the browser. The token comes from MPILOT_TOKEN or a saved
    profile, never from the command line.
    """
    fit_streams_to_encoding()
    ctx.obj = connection
    if ctx.invoked_subcommand is not None:
        collector.release()  # the start is over: a headless command runs with it on
        return
    from ..config.session import resolve_session

    session = resolve_session(**merged_connection(ctx))
    if session.demo_config is not None and not session.demo_config.requests_per_second:
        # In the browser, the in-process demo lets new requests arrive (live mode, L).
        rate = DEMO_BROWSER_REQUESTS_PER_SECOND
        session = replace(session, demo_config=replace(session.demo_config,
                                                       requests_per_second=rate))  # fmt: skip
    if view is not None:
        session = replace(session, default_mode=view)
    for message in session.warnings:
        warn(message)
    from ..ui.app import run_app

    code = run_app(session)
    if code:
        sys.exit(code)


register_demo_server(main)
