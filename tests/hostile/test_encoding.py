"""Content-Encoding bombs: a few kilobytes that decode to hundreds of megabytes.

httpx decodes a whole chunk of a layered encoding (``gzip, gzip``) in one call, so a size cap
checked between chunks came too late: memory grew by the whole decoded size. The client
decodes in bounded steps itself (``mpilot_tui.api._encoding``) and refuses the answer once it
passes the body cap, in the CLI (exit 4) and in the browser (rows kept, app alive).
"""

from __future__ import annotations

import functools
import gzip
import tracemalloc
import zlib
from pathlib import Path

import httpx
import pytest
from helpers_hostile import (
    FIRST_IDS,
    Handler,
    HostileServer,
    file_item,
    files_body,
    first_page_then,
    make_tui,
    notifications,
    one_error_line,
    reply,
    run_cli,
    running,
    still_responsive,
    tui_settings,
)

from mpilot_tui.api import errors
from mpilot_tui.api._encoding import DECODE_STEP, BodyDecoder, EncodingRefused
from mpilot_tui.api._http import RequestLoop
from mpilot_tui.cli.common import EXIT_PROTOCOL

BOMB_SIZE = 400 * 1024 * 1024
"""What the bomb decodes to: far past the 64 MB cap and the 150 MB memory budget."""
MEMORY_BUDGET = 150 * 1024 * 1024


def _gzip_stream(chunks: int, chunk: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    parts = [packer.compress(chunk) for _ in range(chunks)]
    parts.append(packer.flush())
    return b"".join(parts)


@functools.cache
def layered_bomb() -> bytes:
    """``gzip(gzip(400 MB of spaces))``: some ten kilobytes on the wire."""
    inner = _gzip_stream(BOMB_SIZE // (1024 * 1024), b" " * (1024 * 1024))
    return gzip.compress(inner, 9)


@functools.cache
def single_bomb() -> bytes:
    """``gzip(400 MB of spaces)``, sent in one piece."""
    return _gzip_stream(BOMB_SIZE // (1024 * 1024), b" " * (1024 * 1024))


def bomb_reply(encoding: str = "gzip, gzip") -> Handler:
    body = layered_bomb() if "," in encoding else single_bomb()
    return reply(200, body, headers=[("Content-Encoding", encoding)])


PEAK_PRELUDE = """
import atexit, os, resource, sys
import mpilot_tui.cli
_base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
def _report():
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    os.write(2, b"PEAK-KB %d\\n" % (peak - _base))
atexit.register(_report)
"""


def peak_kb(stderr: str) -> int:
    lines = [line for line in stderr.splitlines() if line.startswith("PEAK-KB ")]
    assert lines, stderr
    return int(lines[-1].split()[1])


@pytest.mark.parametrize("encoding", ["gzip, gzip", "gzip"])
def test_cli_encoding_bomb_is_refused_with_bounded_memory(
    server: HostileServer, tmp_path: Path, encoding: str
) -> None:
    server.file_pages[None] = bomb_reply(encoding)
    result = run_cli(
        tmp_path, "--timeout", "20", base_url=server.base_url, python_prelude=PEAK_PRELUDE
    )
    assert peak_kb(result.stderr) * 1024 < MEMORY_BUDGET
    assert result.code == EXIT_PROTOCOL, result.stderr
    assert "larger than 64 MB once decoded" in one_error_line(result)


async def test_browser_encoding_bomb_is_refused_and_rows_stay(server: HostileServer) -> None:
    server.file_pages["c1"] = bomb_reply()
    app = make_tui(server.base_url, timeout=20.0)
    async with running(app) as (pilot, screen):
        await first_page_then(pilot, screen)
        assert type(screen.last_error) is errors.ProtocolError
        assert any("once decoded" in note for note in notifications(app))
        assert screen.store.ids == FIRST_IDS
        await still_responsive(pilot, screen)


async def test_request_loop_memory_stays_bounded_while_decoding(server: HostileServer) -> None:
    """The browser's request path, measured: the peak of Python allocations during the bomb."""
    server.file_pages[None] = bomb_reply()
    loop = RequestLoop(tui_settings(server.base_url, timeout=20.0))
    tracemalloc.start()
    try:
        with pytest.raises(errors.ProtocolError, match="once decoded"):
            await loop.get("/openai/v1/files")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        await loop.aclose()
    assert peak < MEMORY_BUDGET


async def test_good_encodings_still_decode(server: HostileServer) -> None:
    body = httpx.Response(200, json=files_body([file_item("file-gz")])).content
    for encoding, data in [
        ("gzip", gzip.compress(body)),
        ("gzip, gzip", gzip.compress(gzip.compress(body))),
        ("deflate", zlib.compress(body)),
        ("deflate", zlib.compress(body)[2:-4]),  # raw deflate, as some servers send it
        ("identity", body),
    ]:
        server.file_pages[None] = reply(200, data, headers=[("Content-Encoding", encoding)])
        loop = RequestLoop(tui_settings(server.base_url))
        try:
            response = await loop.get("/openai/v1/files")
        finally:
            await loop.aclose()
        assert response.content == body, encoding
    assert server.requests()[-1].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize(
    ("encoding", "says"),
    [("br", "'br', which was not asked for"), ("gzip, gzip, gzip", "stacks 3 content")],
)
def test_cli_unasked_or_deep_encodings_are_refused(
    server: HostileServer, tmp_path: Path, encoding: str, says: str
) -> None:
    server.file_pages[None] = reply(200, b"\x00" * 64, headers=[("Content-Encoding", encoding)])
    result = run_cli(tmp_path, base_url=server.base_url)
    assert result.code == EXIT_PROTOCOL
    assert says in one_error_line(result)


def test_cli_a_corrupt_gzip_body_is_a_protocol_error(server: HostileServer, tmp_path: Path) -> None:
    server.file_pages[None] = reply(
        200, b"\x1f\x8bnot gzip", headers=[("Content-Encoding", "gzip")]
    )
    result = run_cli(tmp_path, base_url=server.base_url)
    assert result.code == EXIT_PROTOCOL
    assert "could not be decoded" in one_error_line(result)


def test_decoder_steps_are_bounded() -> None:
    decoder = BodyDecoder("gzip, gzip")
    pieces = 0
    for piece in decoder.decode(layered_bomb()):
        assert len(piece) <= DECODE_STEP
        pieces += 1
        if pieces == 50:
            break
    assert pieces == 50
    with pytest.raises(EncodingRefused):
        BodyDecoder("zstd")
