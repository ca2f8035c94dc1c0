"""``demo-server``'s listening socket: answers on a kept-alive connection are not held back."""

from __future__ import annotations

import asyncio
import socket

from mpilot_tui.cli.demo_server import _listen


def test_connections_the_demo_server_accepts_have_nagle_off() -> None:
    """uvicorn writes an answer's head and body separately: with Nagle's algorithm on, the
    body waits for the client's delayed ACK (~40 ms a request after a connection's first),
    which slowed every keep-alive client of the demo server alike."""

    async def accepted_nodelay() -> tuple[int, int]:
        loop = asyncio.get_running_loop()
        sock = _listen("127.0.0.1", 0)
        made: asyncio.Future[tuple[int, int]] = loop.create_future()

        class Accept(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                conn = transport.get_extra_info("socket")
                made.set_result(
                    (conn.proto, conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                )

        server = await loop.create_server(Accept, sock=sock)
        try:
            _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
            result = await asyncio.wait_for(made, 10)
            writer.close()
            return result
        finally:
            server.close()
            await server.wait_closed()

    proto, nodelay = asyncio.run(accepted_nodelay())
    assert proto == socket.IPPROTO_TCP  # what asyncio checks before it sets TCP_NODELAY
    assert nodelay != 0
