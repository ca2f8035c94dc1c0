"""The profile switcher and form: reconnecting, testing a connection, saving safely."""

from __future__ import annotations

import stat
import threading
import tomllib
from functools import partial
from pathlib import Path

import httpx
import pytest
from helpers_ui import browser, notified, said, screen_text, shows, wait_for
from textual import events
from textual.pilot import Pilot
from textual.widgets import Footer, Input, OptionList

from mpilot_tui.api import GatewayClient
from mpilot_tui.api.settings import ConnectionSettings
from mpilot_tui.config import ConfigError, ConfigStore
from mpilot_tui.config.session import resolve_session
from mpilot_tui.demo import DemoConfig
from mpilot_tui.demo import create_app as create_demo
from mpilot_tui.ui.app import MPilotApp, create_app
from mpilot_tui.ui.screens.help import HelpScreen
from mpilot_tui.ui.screens.profiles import ProfileForm, ProfileSwitcher

pytestmark = pytest.mark.asyncio

CONFIG = """\
# my gateways
default_profile = "alpha"

[profiles.alpha]  # the local one
base_url = "http://alpha.test"
auth = "none"

[profiles.beta]
base_url = "http://beta.test"
auth = "none"
"""

GATEWAYS = {"alpha.test": 30, "beta.test": 70, "gamma.test": 5}


def factory(settings: ConnectionSettings) -> GatewayClient:
    """Each profile's base URL reaches its own in-process demo gateway."""
    host = httpx.URL(settings.base_url).host
    app = create_demo(DemoConfig(files=GATEWAYS.get(host, 1)))
    return GatewayClient(settings, transport=httpx.ASGITransport(app=app))


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    path.chmod(0o600)
    for name in ("MPILOT_PROFILE", "MPILOT_BASE_URL", "MPILOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MPILOT_TUI_CONFIG", str(path))
    return path


async def test_switcher_reconnects_and_reloads(config_file: Path) -> None:
    session = resolve_session(config_file=config_file)
    app = create_app(session, client_factory=factory)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: len(browser(app).store) == 30)
        assert "alpha" in screen_text(app)
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileSwitcher))
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: len(browser(app).store) == 70)
        assert app.session.profile_name == "beta"
        assert "beta" in screen_text(app)


async def test_form_tests_connection_and_saves_keeping_comments(config_file: Path) -> None:
    session = resolve_session(config_file=config_file)
    app = create_app(session, client_factory=factory)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: len(browser(app).store) == 30)
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileSwitcher))
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileForm))
        form = app.screen
        form.query_one("#pf-name").value = "gamma"  # type: ignore[attr-defined]
        form.query_one("#pf-url").value = "http://gamma.test"  # type: ignore[attr-defined]
        form.query_one("#pf-token").value = "sk-bf-secret-token-1234"  # type: ignore[attr-defined]
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: "answered" in screen_text(app))
        text = screen_text(app)
        assert "/health answered: ok" in text
        assert "sk-bf-secret-token-1234" not in text
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileSwitcher))
        saved = config_file.read_text()
        assert "[profiles.gamma]" in saved
        assert "# my gateways" in saved and "# the local one" in saved
        assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
        assert "gamma" in screen_text(app)
        assert "sk-bf-secret-token-1234" not in screen_text(app)


async def test_form_rejects_a_bad_base_url(config_file: Path) -> None:
    before = config_file.read_bytes()
    session = resolve_session(config_file=config_file)
    app = create_app(session, client_factory=factory)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileSwitcher))
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileForm))
        app.screen.query_one("#pf-name").value = "bad"  # type: ignore[attr-defined]
        app.screen.query_one("#pf-url").value = "not a url"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "not valid" in screen_text(app))
        assert isinstance(app.screen, ProfileForm)
    assert config_file.read_bytes() == before


async def test_recent_container_is_remembered_in_the_profile(config_file: Path) -> None:
    session = resolve_session(config_file=config_file)
    app = create_app(session, client_factory=factory)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: len(browser(app).store) == 30)
        app.remember_container("cntr_abc")
    assert 'recent_containers = ["cntr_abc"]' in config_file.read_text()


async def test_switching_from_a_dialog_replaces_the_browser(config_file: Path) -> None:
    session = resolve_session(config_file=config_file)
    app = create_app(session, client_factory=factory)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: len(browser(app).store) == 30)
        await pilot.press("i")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "InspectorScreen")
        app.switch_profile("beta")
        await wait_for(pilot, lambda: len(browser(app).store) == 70)
        browsers = [s for s in app.screen_stack if s.__class__.__name__ == "BrowserScreen"]
        assert len(browsers) == 1
        assert browser(app).client is app.client


async def test_config_warnings_are_shown_in_the_app(config_file: Path) -> None:
    config_file.write_text(CONFIG + "\n[ui_v2]\ncompact = true\n")
    session = resolve_session(config_file=config_file)
    app = create_app(session, client_factory=factory)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: len(browser(app).store) == 30)
        shown = [f"{n.title}: {n.message}" for n in said(app)]
        assert any("[ui_v2] not read (kept as is)" in note for note in shown), shown


async def open_switcher(app: MPilotApp, pilot: Pilot[None]) -> ProfileSwitcher:
    await pilot.press("P")
    await wait_for(pilot, lambda: isinstance(app.screen, ProfileSwitcher))
    assert isinstance(app.screen, ProfileSwitcher)
    return app.screen


async def test_add_form_takes_the_keys_typed_right_behind_a(config_file: Path) -> None:
    session = resolve_session(config_file=config_file)
    app = create_app(session, client_factory=factory)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_switcher(app, pilot)
        # One burst, as a fast typist or a terminal delivers it: all queued before the form is up.
        for character in "agamma":
            app.post_message(events.Key(character, character))
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileForm))
        name = app.screen.query_one("#pf-name", Input)
        await wait_for(pilot, lambda: name.value == "gamma")
        assert app.screen.focused is name
        await pilot.press("x")
        assert name.value == "gammax"


async def test_edit_form_focuses_the_first_field_that_can_change(config_file: Path) -> None:
    session = resolve_session(config_file=config_file)
    app = create_app(session, client_factory=factory)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_switcher(app, pilot)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileForm))
        url = app.screen.query_one("#pf-url", Input)
        assert app.screen.focused is url
        await pilot.press("end", "x")
        assert url.value == "http://alpha.testx"


async def test_enter_switches_to_the_profile_just_saved(config_file: Path) -> None:
    session = resolve_session(config_file=config_file)
    app = create_app(session, client_factory=factory)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: len(browser(app).store) == 30)
        switcher = await open_switcher(app, pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileForm))
        app.screen.query_one("#pf-name", Input).value = "gamma"
        app.screen.query_one("#pf-url", Input).value = "http://gamma.test"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is switcher)
        assert switcher.query_one(OptionList).highlighted == switcher.names.index("gamma")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.profile_name == "gamma")
        await wait_for(pilot, lambda: len(browser(app).store) == 5)


async def test_without_an_active_profile_the_default_is_highlighted(config_file: Path) -> None:
    config_file.write_text(CONFIG.replace('default_profile = "alpha"', 'default_profile = "beta"'))
    session = resolve_session(config_file=config_file, base_url="http://gamma.test")
    app = create_app(session, client_factory=factory)
    async with app.run_test(size=(120, 36)) as pilot:
        assert app.session.profile_name is None
        switcher = await open_switcher(app, pilot)
        assert switcher.query_one(OptionList).highlighted == switcher.names.index("beta")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.profile_name == "beta")
        await wait_for(pilot, lambda: len(browser(app).store) == 70)


async def test_profile_dialogs_are_centred(config_file: Path) -> None:
    session = resolve_session(config_file=config_file)
    app = create_app(session, client_factory=factory)
    async with app.run_test(size=(120, 40)) as pilot:
        for opened in ("P", "a"):
            await pilot.press(opened)
            kind = ProfileSwitcher if opened == "P" else ProfileForm
            await wait_for(pilot, partial(shows, app, kind))
            await pilot.pause()  # laid out
            assert isinstance(app.screen, (ProfileSwitcher, ProfileForm))
            box = app.screen.query_one(".picker").region
            screen = app.screen.region
            # Centred in what the dialog's own footer (one line at the bottom) leaves.
            above_footer = app.screen.query_one(Footer).region.y
            assert abs(box.x - (screen.right - box.right)) <= 1, box
            assert abs(box.y - (above_footer - box.bottom)) <= 1, box


async def test_keys_that_arrive_before_the_form_is_mounted_are_typed(config_file: Path) -> None:
    session = resolve_session(config_file=config_file)
    app = create_app(session, client_factory=factory)
    async with app.run_test(size=(120, 40)) as pilot:
        form = ProfileForm(config_file, None)
        app.push_screen(form)
        assert not form.is_mounted
        for character in "gamma":  # the first reaches the screen: nothing has focus yet
            app.post_message(events.Key(character, character))
        await wait_for(
            pilot,
            lambda: form.is_mounted and form.query_one("#pf-name", Input).value == "gamma",
            what="the keys typed before the form mounted",
        )
        name = form.query_one("#pf-name", Input)
        assert (name.value, form.focused) == ("gamma", name)


ADMIN_CONFIG = """\
default_profile = "alpha"

[profiles.alpha]
base_url = "http://alpha.test"
auth = "x-bf-vk"
token_env = "ALPHA_KEY"
username = "admin"
password_env = "ALPHA_PW"
"""


LABELS = (
    "Base URL", "Virtual key goes in", "from env var", "from a command", "stored in the file",
    "user name", "password env var", "password command", "stored password",
    "Default provider", "Page size", "Order", "Timeout (seconds)", "Verify TLS", "Proxy",
)  # fmt: skip


async def open_form(app: MPilotApp, pilot: Pilot[None], key: str) -> ProfileForm:
    await pilot.press("P")
    await wait_for(pilot, lambda: isinstance(app.screen, ProfileSwitcher))
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, ProfileForm))
    assert isinstance(app.screen, ProfileForm)
    return app.screen


async def test_every_field_is_labelled_with_both_credentials(config_file: Path) -> None:
    config_file.write_text(ADMIN_CONFIG)
    session = resolve_session(config_file=config_file, env={"ALPHA_KEY": "sk-bf-k-0123456789"})
    app = create_app(session, client_factory=factory)
    async with app.run_test(size=(120, 50)) as pilot:
        form = await open_form(app, pilot, "e")
        labels = [str(label.render()) for label in form.query(".pf-label")]
        for expected in LABELS:
            assert any(expected in label for label in labels), expected
        # Each prefilled value sits beside its label.
        assert form.query_one("#pf-env", Input).value == "ALPHA_KEY"
        assert form.query_one("#pf-user", Input).value == "admin"
        assert form.query_one("#pf-password-env", Input).value == "ALPHA_PW"
        assert form.query_one("#pf-token", Input).password
        assert form.query_one("#pf-password", Input).password


@pytest.mark.parametrize("size", [(120, 36), (120, 50), (80, 24)])
async def test_the_test_result_has_its_own_place(config_file: Path, size: tuple[int, int]) -> None:
    session = resolve_session(config_file=config_file)
    app = create_app(session, client_factory=factory)
    async with app.run_test(size=size) as pilot:
        form = await open_form(app, pilot, "e")
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: "answered" in screen_text(app))
        buttons = form.query_one("#pf-buttons").region
        result = form.query_one("#pf-result-box").region
        box = form.query_one("#profile-form").region
        assert result.y >= buttons.bottom  # below the buttons, never over them
        assert result.y - buttons.bottom <= 1  # and right below them
        assert result.bottom <= box.bottom
        assert "/health answered: ok" in screen_text(app)


async def test_connection_test_tries_the_admin_login(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file.write_text(ADMIN_CONFIG)
    monkeypatch.setenv("ALPHA_KEY", "sk-bf-k-0123456789")
    monkeypatch.setenv("ALPHA_PW", "pw-0123456789\n")
    seen: list[dict[str, str]] = []

    def recording(settings: ConnectionSettings) -> GatewayClient:
        def handle(request: httpx.Request) -> httpx.Response:
            seen.append({"path": request.url.path, **request.headers})
            if request.url.path == "/health":
                return httpx.Response(200, json={"status": "ok"})
            if request.url.path == "/api/providers":
                return httpx.Response(200, json={"providers": [{"name": "openai"}]})
            return httpx.Response(200, json={"object": "list", "data": []})

        return GatewayClient(settings, transport=httpx.MockTransport(handle))

    session = resolve_session(config_file=config_file)
    app = create_app(session, client_factory=recording)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_form(app, pilot, "e")
        seen.clear()
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: "admin login accepted" in screen_text(app))
        assert "pw-0123456789" not in screen_text(app)
    by_path = {entry["path"]: entry for entry in seen}
    assert by_path["/openai/v1/files"]["x-bf-vk"] == "sk-bf-k-0123456789"
    assert "authorization" not in by_path["/openai/v1/files"]
    assert by_path["/api/providers"]["authorization"].startswith("Basic ")
    assert "x-bf-vk" not in by_path["/api/providers"]


async def test_form_refuses_two_sources_and_bad_numbers(config_file: Path) -> None:
    session = resolve_session(config_file=config_file)
    app = create_app(session, client_factory=factory)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(app, pilot, "e")
        form.query_one("#pf-env", Input).value = "SOME_VAR"
        form.query_one("#pf-token", Input).value = "sk-bf-typed-0123456789"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "give one token source" in screen_text(app))
        form.query_one("#pf-token", Input).value = ""
        for bad in ("-", "+", "1_"):
            form.query_one("#pf-page", Input).value = bad
            await pilot.press("ctrl+t")
            await wait_for(pilot, lambda: "page size: a whole number" in screen_text(app))
        assert isinstance(app.screen, ProfileForm)
        assert "sk-bf-typed" not in screen_text(app)


async def test_config_changes_are_written_off_the_loop_in_the_order_made(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three themes chosen quickly: each save runs in a worker thread, and the next starts
    only when the one before has ended (the first is held to prove it), so the file ends
    with the last choice."""
    saved: list[tuple[str, str]] = []
    first_may_finish = threading.Event()
    save = ConfigStore.save

    def held_save(store: ConfigStore) -> None:
        saved.append((threading.current_thread().name, str(store.config.theme)))
        if len(saved) == 1:
            assert first_may_finish.wait(10), "the test never released the first save"
        save(store)

    monkeypatch.setattr(ConfigStore, "save", held_save)
    session = resolve_session(config_file=config_file)
    app = create_app(session, client_factory=factory)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: len(browser(app).store) == 30)
        for theme in ("textual-light", "nord", "gruvbox"):
            app.theme = theme
        await wait_for(pilot, lambda: len(saved) == 1, what="the first save under way")
        await pilot.pause()  # a queue that did not wait would have started the next
        assert len(saved) == 1, "a second save started while the first was running"
        assert app.theme == "gruvbox", "the event loop went on meanwhile"
        first_may_finish.set()
        await wait_for(pilot, lambda: not app.config_saves.busy, what="the saves")
        assert tomllib.loads(config_file.read_text())["theme"] == "gruvbox"
    assert [theme for _, theme in saved] == ["textual-light", "nord", "gruvbox"]
    assert threading.main_thread().name not in {thread for thread, _ in saved}


async def test_a_change_still_queued_at_exit_is_written_once(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saves: list[str] = []
    save = ConfigStore.save

    def counted_save(store: ConfigStore) -> None:
        saves.append(store.path.name)
        save(store)

    monkeypatch.setattr(ConfigStore, "save", counted_save)
    session = resolve_session(config_file=config_file)
    app = create_app(session, client_factory=factory)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: len(browser(app).store) == 30)
        app.theme = "nord"
        app.remember_container("cntr_one")
        app.remember_container("cntr_two")
        assert app.config_saves.busy
    written = tomllib.loads(config_file.read_text())
    assert written["theme"] == "nord"
    assert written["profiles"]["alpha"]["recent_containers"] == ["cntr_two", "cntr_one"]
    assert len(saves) == 3, "each change is written once"


async def test_profile_form_shows_why_a_save_failed_and_stays_open(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = config_file.read_bytes()

    tries: list[str] = []

    def failing_save(store: ConfigStore) -> None:
        tries.append(store.path.name)
        raise ConfigError("cannot write the config file: disk full")

    monkeypatch.setattr(ConfigStore, "save", failing_save)
    session = resolve_session(config_file=config_file)
    app = create_app(session, client_factory=factory)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(app, pilot, "a")
        form.query_one("#pf-name", Input).value = "gamma"
        form.query_one("#pf-url", Input).value = "http://gamma.test"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "disk full" in screen_text(app), what="the error")
        assert app.screen is form, "the form stays open with what was typed"
        assert form.query_one("#pf-name", Input).value == "gamma"
        await pilot.press("ctrl+s")  # a second try after the first failed is taken
        await wait_for(pilot, lambda: len(tries) == 2, what="the second try")
        await wait_for(pilot, lambda: not app.config_saves.busy)
        assert app.screen is form
    assert config_file.read_bytes() == before


async def test_a_save_that_ends_under_the_help_closes_the_form_not_the_help(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F1 while the file is being written: the help stays, and the form closes (the
    switcher shows the new profile) once the help is closed."""
    may_finish = threading.Event()
    save = ConfigStore.save

    def held_save(store: ConfigStore) -> None:
        assert may_finish.wait(10), "the test never released the save"
        save(store)

    monkeypatch.setattr(ConfigStore, "save", held_save)
    session = resolve_session(config_file=config_file)
    app = create_app(session, client_factory=factory)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(app, pilot, "a")
        form.query_one("#pf-name", Input).value = "gamma"
        form.query_one("#pf-url", Input).value = "http://gamma.test"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "saving" in screen_text(app), what="saving")
        await pilot.press("escape")  # refused while the file is being written
        await wait_for(pilot, lambda: notified(app, "being saved"), what="the refusal")
        assert app.screen is form
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
        may_finish.set()
        await wait_for(pilot, lambda: not app.config_saves.busy, what="the save")
        assert isinstance(app.screen, HelpScreen), "the help is not closed by the save"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileSwitcher), what="switcher")
        assert "gamma" in screen_text(app)
    assert "[profiles.gamma]" in config_file.read_text()
