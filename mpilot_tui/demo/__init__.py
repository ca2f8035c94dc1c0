"""A demo gateway: a Starlette app that answers like an MPilot/Bifrost gateway.

It follows the real gateway's file and container routes, error envelope, opaque cursors with
serial paging across provider keys, authentication modes and surprises (the dashboard's HTML
on unknown GET paths), over deterministic data generated lazily from a seed::

    import httpx
    from mpilot_tui.demo import DemoConfig, create_app

    app = create_app(DemoConfig(files=1200, keys=3))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://demo.invalid")

No Textual, no httpx: network I/O belongs to ``mpilot_tui.api``.
"""

from mpilot_tui.demo.app import create_app, serve
from mpilot_tui.demo.config import DemoConfig

__all__ = ["DemoConfig", "create_app", "serve"]
