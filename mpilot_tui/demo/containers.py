"""Deterministic, lazy containers and container files (openai and azure hold them).

Container ``c`` of a provider and file ``j`` of a container are derived from the seed and
their coordinates, like :mod:`mpilot_tui.demo.data`. Container files are numbered oldest
first, so ascending order is ascending index.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from mpilot_tui.demo.data import SIZE_RANGES, TOPICS, log_uniform
from mpilot_tui.demo.ids import digest, make_id, parse_id

__all__ = [
    "CONTAINER_FILE_ID_PREFIX",
    "CONTAINER_ID_PREFIX",
    "ContainerFileRecord",
    "ContainerRecord",
    "ContainerStore",
]

CONTAINER_ID_PREFIX = "cntr_"
"""Prefix of every demo container id."""
CONTAINER_FILE_ID_PREFIX = "cfile_"
"""Prefix of every demo container file id."""

_NAMES = (
    "data-analysis", "quarterly-reports", "support-triage", "code-interpreter", "eval-scratch",
    "pricing-model", "log-forensics", "etl-sandbox",
)  # fmt: skip
_PATHS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("reports", "q{q}_summary_{n}.csv", ("assistant", "user")),
    ("plots", "revenue_by_region_{n}.png", ("assistant",)),
    ("uploads", "invoice_scan_{n4}.pdf", ("user_upload", "user")),
    ("output", "cleaned_{topic}_{n}.csv", ("assistant",)),
    ("scripts", "analysis_{n}.py", ("assistant", "user")),
    ("notes", "findings_{topic}_{n}.md", ("assistant",)),
    ("data", "events_{topic}_{n}.jsonl", ("copied", "user_upload")),
    ("exports", "model_eval_{n}.txt", ("assistant", "copied")),
)  # fmt: skip
_TEAMS = ("finance", "support", "data-science", "growth", "platform")


@dataclass(frozen=True)
class ContainerRecord:
    """One container."""

    index: int
    id: str
    name: str
    created_at: int
    last_active_at: int
    memory_limit: str
    metadata: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        """The OpenAI-format container object; empty metadata omitted."""
        body: dict[str, Any] = {
            "id": self.id,
            "object": "container",
            "name": self.name,
            "created_at": self.created_at,
            "status": "running",
            "expires_after": {"anchor": "last_active_at", "minutes": 20},
            "last_active_at": self.last_active_at,
            "memory_limit": self.memory_limit,
        }
        if self.metadata:
            body["metadata"] = dict(self.metadata)
        return body


@dataclass(frozen=True)
class ContainerFileRecord:
    """One file inside a container."""

    index: int
    id: str
    container_id: str
    path: str
    bytes: int
    created_at: int
    source: str

    @property
    def filename(self) -> str:
        """The last component of the path."""
        return self.path.rsplit("/", 1)[-1]

    def to_json(self) -> dict[str, Any]:
        """The OpenAI-format container file object."""
        return {
            "id": self.id,
            "object": "container.file",
            "container_id": self.container_id,
            "path": self.path,
            "bytes": self.bytes,
            "created_at": self.created_at,
            "source": self.source,
        }


class ContainerStore:
    """The containers of one provider and the files inside them, computed on demand."""

    def __init__(
        self,
        *,
        seed: int,
        provider: str,
        count: int,
        files_per_container: int,
        reference_time: int,
    ) -> None:
        self.seed = seed
        self.provider = provider
        self.count = count
        self.files_per_container = files_per_container
        self.reference_time = reference_time
        self._scope = f"{seed}/{provider}/container"

    def id_at(self, index: int) -> str:
        """The id of container ``index``."""
        return make_id(CONTAINER_ID_PREFIX, self._scope, index)

    def index_of(self, container_id: str) -> int | None:
        """The index of ``container_id``, or None if this store never issued it."""
        index = parse_id(CONTAINER_ID_PREFIX, self._scope, container_id)
        return index if index is not None and index < self.count else None

    def find(self, container_id: str) -> ContainerRecord | None:
        """The container with this id, or None."""
        index = self.index_of(container_id)
        return None if index is None else self.container(index)

    def container(self, index: int) -> ContainerRecord:
        """Container ``index``; containers are numbered oldest first."""
        hashed = digest("container", self.seed, self.provider, index)
        rng = random.Random(int.from_bytes(hashed[:16], "big"))
        age = (self.count - index) * 86_400 + rng.randint(0, 80_000)
        metadata: dict[str, str] = {}
        if hashed[16] < 170:
            metadata["team"] = rng.choice(_TEAMS)
        if hashed[17] < 100:
            metadata["env"] = rng.choice(("prod", "staging", "dev"))
        name = _NAMES[index % len(_NAMES)]
        if index >= len(_NAMES):
            name = f"{name}-{index // len(_NAMES) + 1}"
        return ContainerRecord(
            index=index,
            id=self.id_at(index),
            name=name,
            created_at=self.reference_time - age,
            last_active_at=self.reference_time - rng.randint(30, 900),
            memory_limit="4g" if hashed[18] < 80 else "1g",
            metadata=metadata,
        )

    def _file_scope(self, container_id: str) -> str:
        return f"{self._scope}/{container_id}/file"

    def file_id_at(self, container: ContainerRecord, index: int) -> str:
        """The id of file ``index`` in ``container``."""
        return make_id(CONTAINER_FILE_ID_PREFIX, self._file_scope(container.id), index)

    def file_index_of(self, container: ContainerRecord, file_id: str) -> int | None:
        """The index of ``file_id`` in ``container``, or None if it is not there."""
        index = parse_id(CONTAINER_FILE_ID_PREFIX, self._file_scope(container.id), file_id)
        return index if index is not None and index < self.files_per_container else None

    def find_file(self, container: ContainerRecord, file_id: str) -> ContainerFileRecord | None:
        """The file with this id in ``container``, or None."""
        index = self.file_index_of(container, file_id)
        return None if index is None else self.file(container, index)

    def file(self, container: ContainerRecord, index: int) -> ContainerFileRecord:
        """File ``index`` of ``container``: created between the container's birth and its
        last activity, never earlier than the file before it."""
        hashed = digest("container-file", self.seed, self.provider, container.id, index)
        rng = random.Random(int.from_bytes(hashed[:16], "big"))
        count = max(1, self.files_per_container)
        span = max(1, container.last_active_at - container.created_at)
        step = max(1, span // count)
        created_at = container.created_at + (index * span) // count + rng.randrange(step)
        folder, template, sources = _PATHS[hashed[16] % len(_PATHS)]
        name = template.format(
            q=rng.randint(1, 4), n=f"{index:02d}", n4=f"{index:04d}", topic=rng.choice(TOPICS)
        )
        extension = name.rsplit(".", 1)[-1]
        low, high = SIZE_RANGES.get(extension, (300, 1_000_000))
        return ContainerFileRecord(
            index=index,
            id=self.file_id_at(container, index),
            container_id=container.id,
            path=f"/mnt/data/{folder}/{name}",
            bytes=log_uniform(rng, low, min(high, 80_000_000)),
            created_at=min(created_at, container.last_active_at),
            source=rng.choice(sources),
        )
