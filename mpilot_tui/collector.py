"""The garbage collector, held off while the program starts.

A full collection walks every object the imports made (Textual, Rich, pydantic, httpx and
ours: over 100,000), 40-50 ms each on a 2-core machine, and starting the browser set off
several before the first rows were drawn. So the console script stops the collector as its
first step (:func:`hold`), and lets it go (:func:`release`) once the start is over: when a
headless command begins, or once the browser has drawn its first answer. What the start made
(modules, classes, the screen's widgets) is then moved to the permanent generation, so later
full collections skip it too; its garbage is a few hundred objects, left frozen rather than
paid for with a 50 ms collection just as the rows appear.

Nothing here runs unless :func:`hold` was called: the tests and any program that imports
the package keep the collector as they set it.
"""

from __future__ import annotations

import gc

__all__ = ["hold", "release"]

_held = False


def hold() -> None:
    """Stop the collector until :func:`release` (if it runs: a disabled one stays so)."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def release() -> None:
    """Freeze what is alive and start the collector again; a no-op unless :func:`hold`
    stopped it (and after the first call)."""
    global _held
    if _held:
        _held = False
        gc.freeze()
        gc.enable()
