"""The gateway's standard providers and what each implements (Bifrost 2.2, core 1.11).

A gateway may also have custom providers with any other name: callers accept any name and
let the gateway have the last word.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["STANDARD_PROVIDERS", "ProviderInfo", "provider_info"]

STANDARD_PROVIDERS: tuple[str, ...] = (
    "openai", "azure", "anthropic", "bedrock", "cohere", "vertex", "vllm", "mistral",
    "ollama", "groq", "sgl", "parasail", "perplexity", "replicate", "cerebras", "gemini",
    "openrouter", "elevenlabs", "huggingface", "nebius", "xai", "runway", "fireworks",
    "sarvam", "databricks",
)  # fmt: skip
"""The providers every current Bifrost gateway knows (the 23 of 1.5, then sarvam and
databricks), in the gateway's order; a gateway may have custom ones with any other name."""

FILE_PROVIDERS = frozenset({"openai", "azure", "anthropic", "bedrock", "gemini", "replicate"})
"""Providers that implement file list / retrieve / delete on Bifrost 1.4/1.5."""
CURRENT_FILE_PROVIDERS = FILE_PROVIDERS | {"vertex"}
"""Providers that list files on a current (2.x) gateway: vertex too, backed by GCS. The
browser marks these; an older gateway answers ``unsupported_operation`` for vertex."""
FILE_CONTENT_PROVIDERS = FILE_PROVIDERS - {"replicate"}
"""Providers that serve file content."""
CONTAINER_FILE_PROVIDERS = frozenset({"openai", "azure"})
"""Providers that implement container file list / retrieve / content."""
CONTAINER_LIST_PROVIDERS = frozenset({"openai"})
"""Providers that implement ``GET /v1/containers``."""


@dataclass(frozen=True)
class ProviderInfo:
    """What a provider supports, as far as the client knows before asking."""

    name: str
    files: bool
    container_files: bool
    container_list: bool
    standard: bool


def provider_info(name: str) -> ProviderInfo:
    """Capabilities of ``name``; unknown (custom) providers are assumed unknown-but-allowed."""
    standard = name in STANDARD_PROVIDERS
    return ProviderInfo(
        name=name,
        files=name in CURRENT_FILE_PROVIDERS,
        container_files=name in CONTAINER_FILE_PROVIDERS,
        container_list=name in CONTAINER_LIST_PROVIDERS,
        standard=standard,
    )
