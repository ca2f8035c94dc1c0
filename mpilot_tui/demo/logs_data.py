"""The demo's request log: a deterministic, lazily generated stream of inference requests.

Entry ``i`` (0 = oldest) is drawn from the seed in chunks of :data:`CHUNK` entries, as compact
numpy columns (route, prompt, cache outcome, status, latency, tokens, cost, keys, ...): a
million entries are a few tens of megabytes, and filters and sorts over them are vectorised.
The JSON of an entry is built only for the rows a page returns.

The cache is realistic: prompts come from families (a task about a topic) with paraphrases,
drawn Zipf-like so that repeats are common. A repeat of the same wording is a direct hit, a
paraphrase a semantic hit (similarity just above the threshold more often than near 1.0),
most others misses, with or without an embedding lookup (a miss never carries threshold or
similarity), and requests with tools skip the cache (no ``cache_debug``). Errors carry
``error_details``; a few of the newest entries are still ``processing``.

Timestamps never decrease with the index: the first ``count`` entries are spread over the
30 days before the reference time; with a live rate, entry ``count + k`` arrives ``(k + 1) /
rate`` seconds after it. The gateway's "now" is the newest arrived entry's time.
"""

from __future__ import annotations

import functools
import math
import threading
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from mpilot_tui.demo.data import TOPICS
from mpilot_tui.demo.ids import digest, stable_uuid

__all__ = [
    "CACHE_DIRECT",
    "CACHE_LOOKUP_MISS",
    "CACHE_MISS",
    "CACHE_NONE",
    "CACHE_SEMANTIC",
    "CANCELLED",
    "CHUNK",
    "EMBEDDING_MODEL",
    "EMBEDDING_PROVIDER",
    "ERROR",
    "ERRORS",
    "KEYS",
    "LOG_SPAN_MS",
    "MODELS",
    "OBJECTS",
    "PROCESSING",
    "PROVIDERS",
    "ROUTES",
    "ROUTING_RULES",
    "STATUSES",
    "SUCCESS",
    "VARIANTS",
    "VIRTUAL_KEYS",
    "Columns",
    "LogStore",
    "Route",
    "answer_text",
    "prompt_text",
    "search_table",
]

CHUNK = 65_536
"""Entries generated together (one random draw per column per chunk)."""
LOG_SPAN_MS = 30 * 86_400_000
"""The initial entries are spread over this many milliseconds before the reference time."""
PROCESSING_WINDOW = 40
"""Only entries this close to the newest can still be ``processing``."""

STATUSES = ("success", "error", "cancelled", "processing")
"""Status codes of the ``status`` column, by number."""
SUCCESS, ERROR, CANCELLED, PROCESSING = range(4)

CACHE_NONE, CACHE_DIRECT, CACHE_SEMANTIC, CACHE_LOOKUP_MISS, CACHE_MISS = range(5)
"""Cache outcomes: skipped (no cache_debug), direct hit, semantic hit, miss after an embedding
lookup, miss without one (a direct-only lookup)."""


@dataclass(frozen=True)
class Route:
    """A provider/model pair the demo's requests go to."""

    provider: str
    model: str
    object: str
    weight: int
    input_price: float
    """USD per million prompt tokens."""
    output_price: float
    """USD per million completion tokens."""
    latency_ms: float
    """Median latency of an uncached request."""
    canonical: str = ""
    """The canonical model name, when the provider's own name differs."""


ROUTES: tuple[Route, ...] = (
    Route("openai", "gpt-4o-mini", "chat.completion", 30, 0.15, 0.6, 820),
    Route("openai", "gpt-4o", "chat.completion", 10, 2.5, 10.0, 1450),
    Route("openai", "o4-mini", "responses", 8, 1.1, 4.4, 2600),
    Route("openai", "text-embedding-3-small", "embedding", 10, 0.02, 0.0, 140),
    Route("azure", "gpt-4o-mini-eu", "chat.completion", 9, 0.15, 0.6, 900, "gpt-4o-mini"),
    Route("azure", "text-embedding-3-large", "embedding", 3, 0.13, 0.0, 180),
    Route("anthropic", "claude-3-5-haiku-latest", "chat.completion", 10, 0.8, 4.0, 1100),
    Route("anthropic", "claude-sonnet-4-5", "chat.completion", 6, 3.0, 15.0, 2100),
    Route(
        "bedrock",
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        "chat.completion",
        4,
        0.8,
        4.0,
        1250,
        "claude-3-5-haiku-latest",
    ),
    Route("gemini", "gemini-2.0-flash", "chat.completion", 6, 0.1, 0.4, 700),
    Route("gemini", "gemini-2.5-pro", "responses", 2, 1.25, 10.0, 3100),
    Route("groq", "llama-3.1-8b-instant", "chat.completion", 4, 0.05, 0.08, 260),
    Route("openai", "gpt-3.5-turbo-instruct", "text.completion", 1, 1.5, 2.0, 600),
)
"""Every route, with its share of the traffic (weights)."""
PROVIDERS: tuple[str, ...] = tuple(dict.fromkeys(route.provider for route in ROUTES))
MODELS: tuple[str, ...] = tuple(dict.fromkeys(route.model for route in ROUTES))
OBJECTS: tuple[str, ...] = tuple(dict.fromkeys(route.object for route in ROUTES))

KEYS: tuple[tuple[str, str], ...] = (
    ("key-primary", "primary"),
    ("key-secondary", "secondary"),
    ("key-batch", "batch-tier"),
)
"""Provider keys ``(id, name)``: each provider's requests use one of these."""
VIRTUAL_KEYS: tuple[tuple[str, str], ...] = (
    ("vk-support-bot", "support-bot"),
    ("vk-analytics", "analytics"),
)
"""Virtual keys ``(id, name)``; some requests carry none."""
ROUTING_RULES: tuple[tuple[str, str], ...] = (("rr-eu-residency", "eu-data-residency"),)
"""Routing rules ``(id, name)``: the azure EU traffic goes through this one."""
EMBEDDING_PROVIDER, EMBEDDING_MODEL = "openai", "text-embedding-3-small"
"""What the semantic cache embeds prompts with."""
THRESHOLDS = np.array([0.8, 0.85, 0.9], dtype=np.float32)
"""Similarity thresholds: the plugin default, and two set per request (x-bf-cache-threshold)."""

_TASKS: tuple[tuple[tuple[str, str, str], str], ...] = (
    (
        (
            "Summarise the latest {t} ticket in one sentence.",
            "Give me a one-sentence summary of the newest {t} ticket.",
            "In one sentence, what is the most recent {t} ticket about?",
        ),
        "The customer reports a {t} problem after the last update and asks for a fix.",
    ),
    (
        (
            "Classify the sentiment of this {t} review.",
            "Is this {t} review positive or negative?",
            "What is the sentiment of the following {t} review?",
        ),
        "Sentiment: mostly positive, with one complaint about {t}.",
    ),
    (
        (
            "Draft a reply to a customer asking about {t}.",
            "Write a short answer to a customer question on {t}.",
            "Suggest a response to this customer's {t} question.",
        ),
        "Thanks for reaching out about {t}. Here is what you can do next...",
    ),
    (
        (
            "List three risks in our {t} process.",
            "What are the top three risks of the {t} process?",
            "Name three things that could go wrong with {t}.",
        ),
        "1. Manual steps in {t}. 2. No owner for exceptions. 3. Stale documentation.",
    ),
    (
        (
            "Translate the {t} notice into German.",
            "Please translate this {t} notice to German.",
            "German translation of the {t} notice, please.",
        ),
        "Hinweis zu {t}: Bitte beachten Sie die neuen Bedingungen.",
    ),
    (
        (
            "Extract the key dates from the {t} contract.",
            "Which dates matter in this {t} contract?",
            "Pull out every important date in the {t} contract.",
        ),
        "Start 2026-11-01, review 2027-02-01, end 2027-10-31 ({t}).",
    ),
)
"""(three wordings of one task, the answer) per task; each is asked about every topic."""
FAMILIES = len(_TASKS) * len(TOPICS)
"""Prompt families: a task about a topic."""
VARIANTS = 3
"""Wordings per family: 0 is the canonical one, 1 and 2 paraphrase it."""

_ERRORS: tuple[tuple[int, str, str | None, str], ...] = (
    (429, "Rate limit reached for requests", "rate_limit_exceeded", "requests"),
    (500, "The server had an error while processing your request.", None, "server_error"),
    (504, "request timed out", "request_timed_out", "timeout"),
    (400, "This model's maximum context length is 128000 tokens.", "context_length_exceeded",
     "invalid_request_error"),
    (401, "Incorrect API key provided.", "invalid_api_key", "invalid_request_error"),
)  # fmt: skip
"""Upstream errors: (status, message, code, type)."""

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def _route_table(attribute: str, names: tuple[str, ...]) -> npt.NDArray[np.uint8]:
    return np.array([names.index(getattr(route, attribute)) for route in ROUTES], dtype=np.uint8)


ROUTE_PROVIDER = _route_table("provider", PROVIDERS)
ROUTE_MODEL = _route_table("model", MODELS)
ROUTE_OBJECT = _route_table("object", OBJECTS)
ROUTE_EMBEDDING = np.array([route.object == "embedding" for route in ROUTES])
_ROUTE_P = np.array([route.weight for route in ROUTES], dtype=np.float64)
_ROUTE_P /= _ROUTE_P.sum()
_FAMILY_P = 1.0 / np.arange(1, FAMILIES + 1) ** 0.9
_FAMILY_P /= _FAMILY_P.sum()


def prompt_text(family: int, variant: int) -> str:
    """The wording ``variant`` of prompt family ``family``."""
    wordings, _ = _TASKS[family % len(_TASKS)]
    return wordings[variant].format(t=TOPICS[family // len(_TASKS)])


def answer_text(family: int) -> str:
    """The model's answer to family ``family``."""
    _, answer = _TASKS[family % len(_TASKS)]
    return answer.format(t=TOPICS[family // len(_TASKS)])


@functools.lru_cache(maxsize=64)
def search_table(query: str) -> npt.NDArray[np.bool_]:
    """Which ``family * VARIANTS + variant`` codes a ``content_search`` matches (LIKE %q%)."""
    needle = query.lower()
    return np.array(
        [
            needle in (prompt_text(f, v) + " " + answer_text(f)).lower()
            for f in range(FAMILIES)
            for v in range(VARIANTS)
        ]
    )


@dataclass
class Columns:
    """The compact columns of a run of entries (all arrays of one length)."""

    jitter: npt.NDArray[np.float64]
    route: npt.NDArray[np.uint8]
    family: npt.NDArray[np.uint16]
    variant: npt.NDArray[np.uint8]
    cache: npt.NDArray[np.uint8]
    status: npt.NDArray[np.uint8]
    latency: npt.NDArray[np.float32]
    prompt_tokens: npt.NDArray[np.int32]
    completion_tokens: npt.NDArray[np.int32]
    cost: npt.NDArray[np.float64]
    threshold: npt.NDArray[np.float32]
    similarity: npt.NDArray[np.float32]
    lookup_tokens: npt.NDArray[np.int32]
    hit_latency: npt.NDArray[np.int32]
    key: npt.NDArray[np.uint8]
    virtual_key: npt.NDArray[np.int8]
    stream: npt.NDArray[np.bool_]
    error: npt.NDArray[np.uint8]
    stuck: npt.NDArray[np.bool_]
    env: npt.NDArray[np.uint8]

    @property
    def provider(self) -> npt.NDArray[np.uint8]:
        return ROUTE_PROVIDER[self.route]

    @property
    def model(self) -> npt.NDArray[np.uint8]:
        return ROUTE_MODEL[self.route]

    @property
    def object(self) -> npt.NDArray[np.uint8]:
        return ROUTE_OBJECT[self.route]

    @property
    def total_tokens(self) -> npt.NDArray[np.int64]:
        return self.prompt_tokens.astype(np.int64) + self.completion_tokens

    @staticmethod
    def concatenate(parts: list[Columns]) -> Columns:
        names = Columns.__dataclass_fields__
        return Columns(
            **{name: np.concatenate([getattr(p, name) for p in parts]) for name in names}
        )

    def take(self, index: int) -> dict[str, Any]:
        """Entry ``index`` of these columns as plain Python values."""
        return {name: getattr(self, name)[index].item() for name in Columns.__dataclass_fields__}


def generate_chunk(seed: int, chunk: int) -> Columns:
    """The columns of entries ``[chunk * CHUNK, (chunk + 1) * CHUNK)``."""
    rng = np.random.default_rng([seed, 0x1065, chunk])
    n = CHUNK
    route = rng.choice(len(ROUTES), size=n, p=_ROUTE_P).astype(np.uint8)
    embedding = ROUTE_EMBEDDING[route]
    family = rng.choice(FAMILIES, size=n, p=_FAMILY_P).astype(np.uint16)
    variant = rng.integers(0, VARIANTS, size=n).astype(np.uint8)
    # Cache outcome: tools (chat only) skip the cache; otherwise hits, and two kinds of miss.
    roll = rng.random(n)
    cache = np.select(
        [roll < 0.15, roll < 0.31, roll < 0.45, roll < 0.80],
        [CACHE_NONE, CACHE_DIRECT, CACHE_SEMANTIC, CACHE_LOOKUP_MISS],
        CACHE_MISS,
    ).astype(np.uint8)
    cache[embedding & (cache == CACHE_NONE)] = CACHE_LOOKUP_MISS
    # A semantic hit is a paraphrase of what was stored (wording 0); a direct hit repeats it.
    semantic = cache == CACHE_SEMANTIC
    variant[semantic] = 1 + (variant[semantic] % 2)
    hit = (cache == CACHE_DIRECT) | semantic
    status_roll = rng.random(n)
    status = np.select(
        [status_roll < 0.935, status_roll < 0.985], [SUCCESS, ERROR], CANCELLED
    ).astype(np.uint8)
    status[hit] = SUCCESS
    threshold = THRESHOLDS[rng.choice(3, size=n, p=[0.75, 0.15, 0.10])]
    # Similarity of a semantic hit: at or above its threshold, usually close to it.
    similarity = (threshold + (1 - threshold) * rng.beta(1.3, 3.5, size=n)).astype(np.float32)
    similarity = np.minimum(np.round(similarity, 4), np.float32(1.0)).astype(np.float32)
    base_latency = np.array([route.latency_ms for route in ROUTES])[route]
    upstream = base_latency * rng.lognormal(0.0, 0.45, size=n)
    hit_latency = (2 + rng.exponential(9.0, size=n)).astype(np.int32)
    lookup = cache == CACHE_LOOKUP_MISS
    lookup_ms = 15 + rng.exponential(20.0, size=n)
    latency = np.where(hit, hit_latency + rng.random(n) * 3, upstream + lookup * lookup_ms)
    latency[semantic] += lookup_ms[semantic]
    latency[status == CANCELLED] *= rng.random(int((status == CANCELLED).sum()))
    prompt_tokens = rng.lognormal(5.6, 0.8, size=n).astype(np.int32) + 8
    completion_tokens = np.where(
        embedding, 0, rng.lognormal(4.9, 0.7, size=n).astype(np.int32) + 4
    ).astype(np.int32)
    failed = status != SUCCESS
    completion_tokens[failed] = 0
    prompt_tokens[status == ERROR] = 0
    lookup_tokens = (6 + rng.integers(0, 60, size=n)).astype(np.int32)
    input_price = np.array([route.input_price for route in ROUTES])[route]
    output_price = np.array([route.output_price for route in ROUTES])[route]
    cost = (prompt_tokens * input_price + completion_tokens * output_price) / 1e6
    embedded = semantic | lookup
    lookup_cost = lookup_tokens * 0.02 / 1e6
    cost = np.where(hit, 0.0, cost) + np.where(embedded, lookup_cost, 0.0)
    cost = np.round(cost, 8)
    virtual_key = (rng.choice(3, size=n, p=[0.3, 0.45, 0.25]) - 1).astype(np.int8)
    return Columns(
        jitter=rng.random(n),
        route=route,
        family=family,
        variant=variant,
        cache=cache,
        status=status,
        latency=np.round(latency, 2).astype(np.float32),
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cost=cost,
        threshold=threshold,
        similarity=similarity,
        lookup_tokens=lookup_tokens,
        hit_latency=hit_latency,
        key=rng.choice(3, size=n, p=[0.7, 0.2, 0.1]).astype(np.uint8),
        virtual_key=virtual_key,
        stream=(rng.random(n) < 0.3) & ~embedding,
        error=rng.integers(0, len(_ERRORS), size=n).astype(np.uint8),
        stuck=rng.random(n) < 0.12,
        env=rng.choice(2, size=n, p=[0.8, 0.2]).astype(np.uint8),
    )


_ID_MULTIPLIER = 0x9E3779B97F4B
_ID_SPACE = 1 << 48
_ID_INVERSE = pow(_ID_MULTIPLIER, -1, _ID_SPACE)


class LogStore:
    """The request log of one demo gateway: ``count`` entries, plus live arrivals."""

    def __init__(self, *, seed: int, count: int, reference_time: int, rate: float = 0.0) -> None:
        self.seed = seed
        self.count = count
        self.rate = rate
        """New entries a second (0: none arrive)."""
        self.reference_ms = reference_time * 1000
        self.arrived = 0
        """Entries that arrived after the initial ``count``."""
        self._chunks: dict[int, Columns] = {}
        self._joined: Columns | None = None
        self._processing: tuple[int, list[int]] = (-1, [])
        self._lock = threading.Lock()

    # -- size and time -------------------------------------------------------------------

    @property
    def total(self) -> int:
        """Entries in the log now."""
        return self.count + self.arrived

    @property
    def head(self) -> int:
        """The index of the newest entry (-1 when the log is empty)."""
        return self.total - 1

    def now_ms(self) -> int:
        """The gateway's "now": the newest entry's time (the reference time at the start)."""
        if self.arrived:
            return self.timestamp_ms(self.head)
        return self.reference_ms

    def arrive(self, entries: int = 1) -> list[int]:
        """Let ``entries`` new entries arrive; their indices."""
        with self._lock:
            first = self.total
            self.arrived += entries
            if self._joined is not None and len(self._joined.route) < self.total:
                self._joined = None
        return list(range(first, first + entries))

    def timestamps(self, indices: IntArray) -> IntArray:
        """The time (unix ms) of each entry in ``indices``."""
        indices = np.asarray(indices, dtype=np.int64)
        jitter = self.jitter(indices)
        count = max(1, self.count)
        start = self.reference_ms - LOG_SPAN_MS
        step = LOG_SPAN_MS / count
        initial = start + indices * step + jitter * step
        initial = np.minimum(initial, self.reference_ms - 1)
        rate = self.rate or 1.0
        live = self.reference_ms + np.ceil((indices - self.count + 1) * 1000 / rate)
        return np.where(indices < self.count, np.floor(initial), live).astype(np.int64)

    def timestamp_ms(self, index: int) -> int:
        """The time (unix ms) of entry ``index`` (the scalar twin of :meth:`timestamps`)."""
        if index >= self.count:
            return self.reference_ms + math.ceil(
                (index - self.count + 1) * 1000 / (self.rate or 1.0)
            )
        step = LOG_SPAN_MS / max(1, self.count)
        jitter = float(self.chunk(index // CHUNK).jitter[index % CHUNK])
        start = self.reference_ms - LOG_SPAN_MS
        return math.floor(min(start + index * step + jitter * step, self.reference_ms - 1))

    def jitter(self, indices: IntArray) -> npt.NDArray[np.float64]:
        chunks = indices // CHUNK
        out = np.empty(len(indices), dtype=np.float64)
        for chunk in np.unique(chunks):
            mask = chunks == chunk
            out[mask] = self.chunk(int(chunk)).jitter[indices[mask] - chunk * CHUNK]
        return out

    def index_range(self, start_ms: int | None, end_ms: int | None) -> tuple[int, int]:
        """Entries ``[lo, hi)`` whose time lies in ``[start_ms, end_ms]``."""
        lo, hi = 0, self.total
        if start_ms is not None:
            lo = self._first_at_or_after(start_ms)
        if end_ms is not None:
            hi = self._first_at_or_after(end_ms + 1)
        return lo, max(lo, hi)

    def _first_at_or_after(self, when_ms: int) -> int:
        lo, hi = 0, self.total
        while lo < hi:
            mid = (lo + hi) // 2
            if self.timestamp_ms(mid) < when_ms:
                lo = mid + 1
            else:
                hi = mid
        return lo

    # -- columns -------------------------------------------------------------------------

    def chunk(self, number: int) -> Columns:
        """The columns of chunk ``number`` (generated once)."""
        found = self._chunks.get(number)
        if found is None:
            with self._lock:
                found = self._chunks.get(number)
                if found is None:
                    found = self._chunks[number] = generate_chunk(self.seed, number)
        return found

    def columns(self) -> Columns:
        """Every entry's columns, indices ``[0, total)`` (and a few beyond, unused)."""
        joined = self._joined
        if joined is None or len(joined.route) < self.total:
            chunks = -(-max(1, self.total) // CHUNK)
            joined = Columns.concatenate([self.chunk(c) for c in range(chunks)])
            self._joined = joined
        return joined

    def row(self, index: int) -> dict[str, Any]:
        """Entry ``index``'s column values."""
        return self.chunk(index // CHUNK).take(index % CHUNK)

    def processing(self) -> list[int]:
        """The entries still in flight: the newest live arrival, and stuck ones near the head."""
        head = self.head
        cached_head, cached = self._processing
        if cached_head == head:
            return cached
        found = [
            i for i in range(max(0, head - PROCESSING_WINDOW + 1), head + 1) if self.row(i)["stuck"]
        ]
        if self.arrived and head not in found:
            found.append(head)
        self._processing = (head, found)
        return found

    # -- ids -----------------------------------------------------------------------------

    def id_at(self, index: int) -> str:
        """The UUID of entry ``index``: a hash tag, then the scrambled index."""
        code = (index * _ID_MULTIPLIER + 0x5DEECE66D) % _ID_SPACE
        tag = digest("log", self.seed, index)[:10]
        return str(uuid.UUID(bytes=tag + code.to_bytes(6, "big"), version=4))

    def index_of(self, log_id: str) -> int | None:
        """The index of ``log_id``, or None if this log never issued it."""
        try:
            raw = uuid.UUID(log_id).bytes
        except ValueError:
            return None
        code = int.from_bytes(raw[10:], "big")
        index = ((code - 0x5DEECE66D) * _ID_INVERSE) % _ID_SPACE
        if index >= self.total or self.id_at(index) != log_id:
            return None
        return index

    def cache_id(self, family: int, variant: int, model: str) -> str:
        """The cache entry a prompt wording is stored under for ``model``."""
        return stable_uuid("cache", self.seed, family, variant, model)


__all__ += ["CANCELLED", "ERROR", "PROCESSING", "SUCCESS", "answer_text", "prompt_text"]
__all__ += ["EMBEDDING_MODEL", "EMBEDDING_PROVIDER", "ERRORS", "ROUTING_RULES"]
ERRORS = _ERRORS
