"""mpilot-tui: a terminal browser for the files held by an MPilot/Bifrost AI gateway."""

__version__ = "0.1.0"
