"""``demo-server``: the demo gateway over real HTTP, for trying the app and for e2e tests."""

from __future__ import annotations

import click

__all__ = ["register"]


def register(group: click.Group) -> None:
    @group.command("demo-server")
    @click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
    @click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
    @click.option("--files", default=None, type=click.IntRange(min=0), help="Files per provider.")
    @click.option("--containers", default=None, type=click.IntRange(min=0), help="Containers.")
    @click.option("--container-files", default=None, type=click.IntRange(min=0), help="Files each.")
    @click.option("--keys", default=None, type=click.IntRange(min=1), help="Provider keys.")
    @click.option("--seed", default=None, type=int, help="Seed of the generated data.")
    @click.option("--latency-ms", default=None, type=click.IntRange(min=0), help="Added delay.")
    @click.option("--auth", default=None, type=click.Choice(["open", "vk", "admin"]))
    @click.option("--virtual-key", default=None, metavar="KEY", help="The valid virtual key.")
    @click.option("--bifrost", default=None, type=click.Choice(["1.4", "1.5"]))
    def demo_server(host: str, port: int, **options: object) -> None:
        """Serve the demo gateway over HTTP (127.0.0.1:8080 by default).

        Defaults: 1200 files for each provider with file support, 3 containers for openai
        and for azure with 40 files each, 1 provider key, seed 7, no added latency, open
        auth, Bifrost 1.5.
        """
        from dataclasses import fields

        from ..demo import DemoConfig, serve

        known = {f.name for f in fields(DemoConfig)}
        given = {k: v for k, v in options.items() if v is not None and k in known}
        config = DemoConfig(**given)  # type: ignore[arg-type]
        click.echo(f"demo gateway on http://{host}:{port} (Ctrl-C to stop)", err=True)
        serve(config, host=host, port=port)
