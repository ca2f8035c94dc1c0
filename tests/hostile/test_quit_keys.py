"""``q`` followed at once by a key that opens a screen quits cleanly (issue 14, item 10).

The keys reach the app's queue together, as they do from a terminal when typed fast (or
pasted): the second is handled after the exit was asked for. The real terminal case is
``test_terminal.py::test_a_key_right_after_q_still_quits_cleanly``.
"""

from __future__ import annotations

import pytest
from helpers_hostile import HostileServer, make_tui, running, wait_for
from textual import events

KEYS_THAT_OPEN_A_SCREEN = ["e", "i", "C", "v", "P", "?", "b", "s", "p"]


@pytest.mark.parametrize("key", KEYS_THAT_OPEN_A_SCREEN)
async def test_q_then_a_screen_key_at_once_exits_without_a_crash(
    server: HostileServer, key: str
) -> None:
    app = make_tui(server.base_url, timeout=30)
    async with running(app) as (pilot, screen):
        await wait_for(pilot, lambda: len(screen.store) == 3 and screen.inflight is None)
        for character in ("q", key):
            app.post_message(events.Key(character, character))
        await wait_for(pilot, lambda: not app.is_running or app.quitting)
    assert app.return_code == 0
    assert app._exception is None
    assert app.crash is None
