"""Which standard providers the emulated gateway (Bifrost 1.4/1.5) implements each route for.

This is the gateway's own truth, written down apart from the client's belief about it
(``mpilot_tui.api.providers``) on purpose: the demo imports nothing of the client's, so a
demo-based test catches a wrong client table instead of agreeing with it.
"""

from __future__ import annotations

__all__ = [
    "CONTAINER_FILE_PROVIDERS",
    "CONTAINER_LIST_PROVIDERS",
    "FILE_CONTENT_PROVIDERS",
    "FILE_PROVIDERS",
]

FILE_PROVIDERS = frozenset({"openai", "azure", "anthropic", "bedrock", "gemini", "replicate"})
"""Providers whose upstream implements file list / retrieve / delete."""
FILE_CONTENT_PROVIDERS = FILE_PROVIDERS - {"replicate"}
"""Providers whose upstream serves file content (replicate does not)."""
CONTAINER_FILE_PROVIDERS = frozenset({"openai", "azure"})
"""Providers whose upstream implements container retrieve and container file routes."""
CONTAINER_LIST_PROVIDERS = frozenset({"openai"})
"""Providers whose upstream implements ``GET /v1/containers``."""
