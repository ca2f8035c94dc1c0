"""``python -m mpilot_tui``, and the ``mpilot-tui`` console script (:func:`run`)."""

from __future__ import annotations


def run() -> None:
    """The program: the collector held off while it starts (see :mod:`.collector`)."""
    from . import collector

    collector.hold()
    from .cli import main

    main(prog_name="mpilot-tui")


if __name__ == "__main__":
    run()
