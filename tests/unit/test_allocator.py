"""allocator.tune: glibc's mmap threshold fixed once, the user's own setting left alone."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
ASK = "from mpilot_tui import allocator; print(allocator.tune(), allocator.tune())"


def run(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", ASK], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.mark.skipif(not GLIBC, reason="glibc's mallopt")
def test_the_threshold_is_fixed_once_on_glibc() -> None:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_MMAP_THRESHOLD_"}
    assert run(env) == "True True"


def test_a_threshold_the_user_set_is_left_as_it_is() -> None:
    assert run({**os.environ, "MALLOC_MMAP_THRESHOLD_": "1048576"}) == "False False"
