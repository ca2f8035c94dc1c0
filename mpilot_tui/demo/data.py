"""Deterministic, lazy file data: file ``i`` of a provider is computed on demand.

A :class:`FileStore` never materialises its files. File ``i`` is derived from
``(seed, provider, i)``; files are numbered oldest first (``created_at`` never decreases with
the index), so ascending order is ascending index and a page costs O(limit). Ids embed the
index, so a lookup by id is O(1).
"""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mpilot_tui.demo.ids import digest, make_id, parse_id

__all__ = ["FILE_ID_PREFIX", "PURPOSES", "FileRecord", "FileStore", "log_uniform", "pick_weighted"]

FILE_ID_PREFIX = "file-"
"""Prefix of every demo file id."""
FILE_SPAN_SECONDS = 90 * 86_400
"""Files are created over the 90 days before the reference time."""

PURPOSES: tuple[tuple[str, int], ...] = (
    ("batch", 20), ("batch_output", 12), ("fine-tune", 10), ("fine-tune-results", 4),
    ("assistants", 18), ("assistants_output", 6), ("vision", 8), ("user_data", 12),
    ("responses", 6), ("evals", 4),
)  # fmt: skip
"""Known purposes and their relative weights."""
_PURPOSE_NAMES = frozenset(name for name, _ in PURPOSES)
_PURPOSE_TOTAL = sum(weight for _, weight in PURPOSES)

_FILENAMES: dict[str, tuple[str, ...]] = {
    "batch": (
        "batch_{date}_{topic}.jsonl", "batch_{date}_eval.jsonl", "batch_requests_{n4}.jsonl",
        "nightly_{topic}_batch_{date}.jsonl",
    ),
    "batch_output": ("batch_{hex}_output.jsonl", "batch_{hex}_error.jsonl"),
    "fine-tune": (
        "fine_tune_{topic}_v{v}.jsonl", "ft_train_{topic}_{date}.jsonl",
        "ft_validation_{topic}_v{v}.jsonl",
    ),
    "fine-tune-results": ("step_metrics.csv", "ftjob-{hex}_results.csv"),
    "assistants": (
        "invoice_scan_{n4}.pdf", "{topic}_handbook_{year}.pdf", "{topic}_faq.md",
        "pricing_notes_{date}.txt", "contract_{n4}.pdf", "policy_{topic}_v{v}.md",
    ),
    "assistants_output": ("chart_{n4}.png", "analysis_{topic}_{date}.csv"),
    "vision": ("receipt_photo_{n4}.png", "whiteboard_{date}.png", "diagram_{topic}_{n2}.png"),
    "user_data": (
        "customer_export_{date}.csv", "meeting_notes_{date}.md", "report_{topic}_q{q}.pdf",
        "transcript_{n4}.txt",
    ),
    "responses": ("context_{topic}_{n4}.pdf", "input_{date}_{n4}.txt"),
    "evals": ("eval_{topic}_set_{v}.jsonl", "golden_{topic}_{date}.jsonl"),
}  # fmt: skip
TOPICS = (
    "support", "billing", "onboarding", "search", "summaries", "triage", "sales", "legal",
    "retrieval", "churn", "pricing", "compliance",
)  # fmt: skip
"""Words used in generated names."""

SIZE_RANGES: dict[str, tuple[int, int]] = {
    "jsonl": (600, 500_000_000), "pdf": (20_000, 40_000_000), "png": (30_000, 12_000_000),
    "csv": (300, 60_000_000), "txt": (300, 400_000), "md": (300, 250_000),
    "py": (400, 60_000),
}  # fmt: skip
"""Byte-size range per extension; sizes are drawn log-uniformly within it."""

_ERROR_DETAILS = (
    "Invalid file format for Batch API. Must be .jsonl",
    "Line 17: Unexpected token '}' at position 212",
    "File is empty.",
    "The file exceeds the maximum size of 512 MB for this purpose.",
    "Expected file to have JSONL format, where every line is a valid JSON dictionary.",
)


def pick_weighted(value: float, choices: tuple[tuple[str, int], ...]) -> str:
    """The choice that ``value`` in [0, 1) lands on, by weight."""
    target = value * sum(weight for _, weight in choices)
    for name, weight in choices:
        if target < weight:
            return name
        target -= weight
    return choices[-1][0]


def log_uniform(rng: random.Random, low: int, high: int) -> int:
    """An integer in [low, high], uniform in log space (many small, a few huge)."""
    return int(math.exp(rng.uniform(math.log(low), math.log(high))))


@dataclass(frozen=True)
class FileRecord:
    """One file as the upstream provider describes it."""

    index: int
    id: str
    filename: str
    purpose: str
    status: str
    status_details: str | None
    bytes: int
    created_at: int
    expires_at: int | None
    updated_at: int
    awaiting_upload: bool = False
    """An ``uploaded`` file whose bytes have not reached the upstream yet: 2.x reports it as
    ``pending_upload``, older gateways as ``uploaded``."""

    def to_json(self, bifrost: str, *, listed: bool = False) -> dict[str, Any]:
        """The OpenAI-format file object as generation ``bifrost`` answers it, empty fields
        omitted: ``updated_at`` from 1.5 on; a 2.x list item (``listed``) carries neither
        ``expires_at`` nor ``updated_at`` (a 2.x retrieve keeps both)."""
        modern = bifrost.startswith("2.")
        status = "pending_upload" if modern and self.awaiting_upload else self.status
        body: dict[str, Any] = {
            "id": self.id,
            "object": "file",
            "bytes": self.bytes,
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": status,
        }
        if self.status_details:
            body["status_details"] = self.status_details
        if modern and listed:
            return body
        if self.expires_at:
            body["expires_at"] = self.expires_at
        if bifrost != "1.4":
            body["updated_at"] = self.updated_at
        return body


class FileStore:
    """The ``count`` files one provider holds, computed on demand."""

    def __init__(self, *, seed: int, provider: str, count: int, reference_time: int) -> None:
        self.seed = seed
        self.provider = provider
        self.count = count
        self.reference_time = reference_time
        self._scope = f"{seed}/{provider}/file"

    def _digest(self, index: int) -> bytes:
        return digest("file", self.seed, self.provider, index)

    def purpose_at(self, index: int) -> str:
        """The purpose of file ``index`` (one hash: cheap enough to filter with)."""
        return self._purpose(self._digest(index))

    @staticmethod
    def _purpose(hashed: bytes) -> str:
        return pick_weighted(int.from_bytes(hashed[:4], "big") / 2**32, PURPOSES)

    @staticmethod
    def is_known_purpose(purpose: str) -> bool:
        """True when some file may carry ``purpose`` (an unknown one matches nothing)."""
        return purpose in _PURPOSE_NAMES

    def id_at(self, index: int) -> str:
        """The id of file ``index``."""
        return make_id(FILE_ID_PREFIX, self._scope, index)

    def index_of(self, file_id: str) -> int | None:
        """The index of ``file_id``, or None if this store never issued it."""
        index = parse_id(FILE_ID_PREFIX, self._scope, file_id)
        return index if index is not None and index < self.count else None

    def find(self, file_id: str) -> FileRecord | None:
        """The file with this id, or None."""
        index = self.index_of(file_id)
        return None if index is None else self.record(index)

    def created_at(self, index: int, hashed: bytes) -> int:
        """Creation time: spread evenly over the span, never decreasing with the index."""
        step = max(1, FILE_SPAN_SECONDS // max(1, self.count))
        start = self.reference_time - FILE_SPAN_SECONDS
        base = start + (index * FILE_SPAN_SECONDS) // max(1, self.count)
        jitter = int.from_bytes(hashed[4:8], "big") % step if self.count < FILE_SPAN_SECONDS else 0
        return min(base + jitter, self.reference_time - 1)

    def record(self, index: int) -> FileRecord:
        """File ``index`` in full."""
        hashed = self._digest(index)
        rng = random.Random(int.from_bytes(hashed[8:24], "big"))
        purpose = self._purpose(hashed)
        created_at = self.created_at(index, hashed)
        filename = self._filename(rng, purpose, created_at)
        extension = filename.rsplit(".", 1)[-1]
        low, high = SIZE_RANGES.get(extension, (300, 1_000_000))
        roll = hashed[24]
        status = (
            "processed" if roll < 217 else
            "uploaded" if roll < 232 else
            "processing" if roll < 245 else
            "error"
        )  # fmt: skip
        status_details = rng.choice(_ERROR_DETAILS) if status == "error" else None
        expires_at = None
        if hashed[25] < 64 or (purpose in ("batch", "batch_output") and hashed[25] < 160):
            expires_at = self.reference_time + rng.randint(1, 60) * 86_400 + rng.randint(0, 86_399)
        settled = status in ("processed", "error")
        updated_at = created_at + (rng.randint(1, 600) if settled else 0)
        return FileRecord(
            index=index,
            id=self.id_at(index),
            filename=filename,
            purpose=purpose,
            status=status,
            status_details=status_details,
            bytes=log_uniform(rng, low, high),
            created_at=created_at,
            expires_at=expires_at,
            updated_at=min(updated_at, self.reference_time),
            awaiting_upload=status == "uploaded" and hashed[26] < 112,
        )

    @staticmethod
    def _filename(rng: random.Random, purpose: str, created_at: int) -> str:
        date, year = _utc_day(created_at // 86_400)
        template = rng.choice(_FILENAMES[purpose])
        return template.format(
            date=date,
            year=year,
            topic=rng.choice(TOPICS),
            n4=f"{rng.randint(1, 9999):04d}",
            n2=f"{rng.randint(1, 99):02d}",
            v=rng.randint(1, 7),
            q=rng.randint(1, 4),
            hex=f"{rng.getrandbits(48):012x}",
        )


@functools.lru_cache(maxsize=1024)
def _utc_day(day_number: int) -> tuple[str, int]:
    """The UTC date (``YYYY-MM-DD``) and year of a day since the epoch; files share days."""
    day = datetime.fromtimestamp(day_number * 86_400, UTC)
    return day.strftime("%Y-%m-%d"), day.year
