"""``--all`` progress: one line on stderr when it is a terminal, erased at the end."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from mpilot_tui.cli import main as cli_main
from mpilot_tui.cli.progress import ERASE, Progress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_rewrites_one_line_and_erases_it() -> None:
    ticks = iter([0.0, 2.0, 4.0])
    stream = Tty()
    progress = Progress(stream, "files", clock=lambda: next(ticks))
    progress.update(200, 2)
    progress.update(400, 4)
    progress.clear()
    written = stream.getvalue()
    assert written == (
        ERASE + "200 files, 2 pages, 100 rows/s, 2 s (ctrl+c stops)"
        + ERASE + "400 files, 4 pages, 100 rows/s, 4 s (ctrl+c stops)"
        + ERASE
    )  # fmt: skip
    assert written.isascii() and "\n" not in written, "in place, in any encoding"


def test_nothing_when_the_stream_is_no_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(stream, "files")
    progress.update(10, 1)
    progress.clear()
    assert stream.getvalue() == ""


def test_files_all_writes_no_progress_into_a_pipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MPILOT_TUI_CONFIG", str(tmp_path / "config.toml"))
    result = CliRunner().invoke(
        cli_main, ["files", "--demo", "--all", "--limit", "100", "--format", "ndjson"]
    )
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "rows/s" not in result.stderr
    assert result.stderr.strip().endswith("pages")
