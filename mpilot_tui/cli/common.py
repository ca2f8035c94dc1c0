"""Shared CLI plumbing: connection options, exit codes, and one-line errors on stderr."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

from ..api import errors
from ..api.settings import AUTH_KINDS
from ..formats.text import visible

__all__ = [
    "EXIT_API",
    "EXIT_CODES_HELP",
    "EXIT_CONNECTION",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_PROTOCOL",
    "EXIT_USAGE",
    "connection_options",
    "exit_code_for",
    "fail",
    "narrate",
    "warn",
]

EXIT_OK = 0
EXIT_API = 1
"""The gateway answered with an error."""
EXIT_USAGE = 2
"""Usage or configuration error."""
EXIT_CONNECTION = 3
"""Connection failure or timeout."""
EXIT_PROTOCOL = 4
"""The gateway's answer was not what the API promises."""
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = (
    "Exit codes: 0 ok, 1 the gateway answered an error, 2 usage or configuration error, "
    "3 connection or timeout, 4 the gateway's answer was not what the API promises, "
    "70 the app stopped on an unexpected error, 130 interrupted (143/129: SIGTERM/SIGHUP)."
)

F = TypeVar("F", bound=Callable[..., Any])


def exit_code_for(exc: BaseException) -> int:
    """The documented exit code for an error of the client."""
    if isinstance(exc, errors.APIStatusError):
        return EXIT_API
    if isinstance(exc, errors.RequestValidationError):
        return EXIT_USAGE
    if isinstance(exc, errors.TransportError):
        return EXIT_CONNECTION
    if isinstance(exc, errors.ProtocolError):
        return EXIT_PROTOCOL
    return EXIT_USAGE


def narrate(message: str) -> None:
    """A line for the human on stderr; stdout stays data only."""
    click.echo(visible(message), err=True)


def warn(message: str) -> None:
    click.echo(f"mpilot-tui: warning: {visible(message)}", err=True)


def fail(message: str, code: int) -> NoReturn:
    """One clear line on stderr, then exit with ``code``."""
    click.echo(f"mpilot-tui: error: {visible(message)}", err=True)
    sys.exit(code)


def connection_options(func: F) -> F:
    """``--demo``, ``--base-url``, ``--auth``, ``--profile``, ``--config``, ``--timeout``.

    Credentials never come from the command line: the virtual key from ``MPILOT_TOKEN`` or
    a saved profile, the admin login from ``MPILOT_ADMIN_USERNAME``/``MPILOT_ADMIN_PASSWORD``
    or a saved profile.
    """
    options = [
        click.option("--demo", is_flag=True, default=None, help="Use the in-process demo gateway."),
        click.option(
            "--base-url",
            metavar="URL",
            help="Gateway root, e.g. http://localhost:8080 [env MPILOT_BASE_URL].",
        ),
        click.option(
            "--auth",
            type=click.Choice(AUTH_KINDS),
            help=(
                "Where the virtual key goes: Authorization Bearer (default) or x-bf-vk; basic"
                " for 1.4 gateways (admin login on every route, the key in x-bf-vk); none."
            ),
        ),
        click.option("--profile", metavar="NAME", help="Saved profile [env MPILOT_PROFILE]."),
        click.option(
            "--config",
            "config_file",
            metavar="PATH",
            type=click.Path(dir_okay=False),
            help="Config file [env MPILOT_TUI_CONFIG].",
        ),
        click.option("--timeout", type=click.FloatRange(min=0.1), help="Seconds per request."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def merged_connection(ctx: click.Context, **local: Any) -> dict[str, Any]:
    """Connection options given to the subcommand, falling back to the root group's."""
    root: dict[str, Any] = dict(ctx.find_root().obj or {})
    merged = {k: v for k, v in root.items() if v is not None}
    merged.update({k: v for k, v in local.items() if v is not None})
    if merged.get("demo"):
        # The demo gateway runs in-process: a second place to connect to is a contradiction
        # the user should hear about, not a flag that is silently dropped.
        clashing = [f"--{name.replace('_', '-')}" for name in DEMO_CONFLICTS if merged.get(name)]
        if clashing:
            raise click.UsageError(
                f"--demo uses the in-process demo gateway; it cannot be combined with "
                f"{' or '.join(clashing)}"
            )
    return merged


DEMO_CONFLICTS = ("base_url", "auth", "profile")
"""Connection options that name another gateway or its credentials: an error beside --demo."""


def handle_errors(func: F) -> F:
    """Map the client's errors, config errors and Ctrl-C to the documented exit codes."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except errors.MPilotError as exc:
            fail(str(exc), exit_code_for(exc))
        except KeyboardInterrupt:
            click.echo("mpilot-tui: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            sys.stderr.close()
            sys.exit(EXIT_OK)
        except Exception as exc:
            # The config package is imported only when an error is there to classify: the
            # demo and the headless commands should not pay for it at start.
            from ..config import ConfigError

            if isinstance(exc, ConfigError):
                fail(str(exc), EXIT_USAGE)
            raise

    return wrapper  # type: ignore[return-value]
