"""ConfigStore: changes keep comments, order and other tables; writes are atomic and 0600."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from mpilot_tui.config import ConfigError, ConfigStore

USER_FILE = """\
# My gateways -- hand written
theme = "nord"  # the theme I like
default_profile = "local"

[profiles.local]
# the gateway on my laptop
base_url = "http://localhost:8080"  # port from docker-compose
page_size = 50
order = "asc"

[keymap]
quit = "ctrl+q"  # muscle memory

[profiles.prod]
base_url = "https://gw.example.com"
token_env = "MPILOT_PROD_TOKEN"
"""


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_missing_file_is_an_empty_store(config_file: Path) -> None:
    store = ConfigStore.load(config_file)
    assert (store.exists, store.profile_names(), store.default_profile) == (False, [], None)
    assert not config_file.exists()


def test_first_save_creates_a_private_folder_and_file(config_file: Path) -> None:
    store = ConfigStore.load(config_file)
    store.set_profile("local", {"base_url": "http://localhost:8080"})
    store.save()
    assert mode(config_file) == 0o600
    assert mode(config_file.parent) == 0o700
    assert ConfigStore.load(config_file).get_profile("local").base_url == "http://localhost:8080"


def test_save_leaves_no_temporary_file(config_file: Path) -> None:
    store = ConfigStore.load(config_file)
    store.set_profile("local", {"base_url": "http://localhost:8080"})
    store.save()
    # The writers' lock file stays (empty, 0600): removing it would race another writer.
    assert sorted(p.name for p in config_file.parent.iterdir()) == [
        ".config.toml.lock",
        "config.toml",
    ]


def test_edit_keeps_comments_order_and_other_tables(
    write_config: Callable[[str], Path],
) -> None:
    path = write_config(USER_FILE)
    store = ConfigStore.load(path)
    store.set_profile("local", {"page_size": 20})
    store.save()
    assert path.read_text() == USER_FILE.replace("page_size = 50", "page_size = 20")


def test_adding_a_key_keeps_the_rest_byte_for_byte(write_config: Callable[[str], Path]) -> None:
    path = write_config(USER_FILE)
    store = ConfigStore.load(path)
    store.set_profile("prod", {"timeout": 5.0})
    store.save()
    assert path.read_text() == USER_FILE + "timeout = 5.0\n"


def test_new_profile_and_default_keep_the_user_text(write_config: Callable[[str], Path]) -> None:
    path = write_config(USER_FILE)
    store = ConfigStore.load(path)
    store.set_profile("staging", {"base_url": "https://staging.example.com", "auth": "x-bf-vk"})
    store.set_default("staging")
    store.save()
    text = path.read_text()
    assert "# the gateway on my laptop" in text
    assert 'quit = "ctrl+q"  # muscle memory' in text
    assert 'default_profile = "staging"' in text
    assert text.index("[profiles.local]") < text.index("[keymap]") < text.index("[profiles.prod]")
    reloaded = ConfigStore.load(path)
    assert reloaded.profile_names() == ["local", "staging", "prod"]
    assert reloaded.config.keymap == {"quit": "ctrl+q"}
    assert reloaded.config.theme == "nord"


def test_remove_profile_drops_it_and_the_default(write_config: Callable[[str], Path]) -> None:
    path = write_config(USER_FILE)
    store = ConfigStore.load(path)
    store.remove_profile("local")
    store.save()
    reloaded = ConfigStore.load(path)
    assert (reloaded.profile_names(), reloaded.default_profile) == (["prod"], None)
    assert 'quit = "ctrl+q"  # muscle memory' in path.read_text()


def test_none_removes_a_key_and_replace_drops_unmentioned_ones(
    write_config: Callable[[str], Path],
) -> None:
    path = write_config(USER_FILE)
    store = ConfigStore.load(path)
    store.set_profile("local", {"order": None})
    assert store.get_profile("local").order == "desc"
    store.set_profile("local", {"base_url": "http://127.0.0.1:9"}, replace=True)
    assert store.get_profile("local").model_fields_set == {"base_url"}


@pytest.mark.parametrize(
    "change",
    [
        lambda store: store.set_profile("local", {"page_size": 20}),
        lambda store: store.set_profile("new", {"base_url": "http://localhost:1"}),
        lambda store: store.set_default("prod"),
        lambda store: store.remove_profile("prod"),
        lambda store: store.add_recent_container("prod", "cntr_1"),
    ],
    ids=["edit", "add", "use", "remove", "recent"],
)
def test_every_write_leaves_mode_0600(
    write_config: Callable[[str], Path], change: Callable[[ConfigStore], None]
) -> None:
    path = write_config(USER_FILE)
    path.chmod(0o644)
    store = ConfigStore.load(path)
    change(store)
    store.save()
    assert mode(path) == 0o600


def test_bad_value_is_refused_and_the_document_left_as_it_was(
    write_config: Callable[[str], Path],
) -> None:
    path = write_config(USER_FILE)
    store = ConfigStore.load(path)
    with pytest.raises(ConfigError, match=r"profiles\.local\.page_size: .*allowed: a whole"):
        store.set_profile("local", {"page_size": 0})
    assert store.get_profile("local").page_size == 50
    store.save()
    assert path.read_text() == USER_FILE


def test_unknown_setting_and_bad_name_are_refused(config_file: Path) -> None:
    store = ConfigStore.load(config_file)
    with pytest.raises(ConfigError, match="unknown profile setting 'colour'"):
        store.set_profile("x", {"base_url": "http://localhost", "colour": "red"})
    with pytest.raises(ConfigError, match="bad profile name"):
        store.set_profile("my prod", {"base_url": "http://localhost"})
    assert store.profile_names() == []


def test_unknown_profile_lists_the_names(write_config: Callable[[str], Path]) -> None:
    store = ConfigStore.load(write_config(USER_FILE))
    for action in (store.get_profile, store.remove_profile, store.set_default):
        with pytest.raises(ConfigError, match=r"no profile named 'nope' .*profiles: local, prod"):
            action("nope")


def test_recent_containers_most_recent_first_deduped_capped(config_file: Path) -> None:
    store = ConfigStore.load(config_file)
    store.set_profile("p", {"base_url": "http://localhost:8080"})
    for index in range(12):
        store.add_recent_container("p", f"cntr_{index}")
    store.add_recent_container("p", "cntr_5")
    recent = store.get_profile("p").recent_containers
    assert recent[:3] == ["cntr_5", "cntr_11", "cntr_10"]
    assert len(recent) == 10 and len(set(recent)) == 10
    assert "cntr_1" not in recent


def test_save_replays_its_change_on_a_file_changed_on_disk(
    write_config: Callable[[str], Path],
) -> None:
    path = write_config(USER_FILE)
    store = ConfigStore.load(path)
    store.set_profile("local", {"page_size": 20})
    path.write_text(USER_FILE + "# edited meanwhile\n")
    store.save()
    text = path.read_text()
    assert "# edited meanwhile" in text  # the other writer's edit is kept
    assert ConfigStore.load(path).get_profile("local").page_size == 20  # and so is ours


def test_save_follows_a_symlink(write_config: Callable[[str], Path], tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "config.toml"
    real.parent.mkdir()
    real.write_text(USER_FILE)
    link = write_config("")
    link.unlink()
    link.symlink_to(real)
    store = ConfigStore.load(link)
    store.set_profile("local", {"page_size": 20})
    store.save()
    assert link.is_symlink()
    assert "page_size = 20" in real.read_text()


def test_existing_folder_mode_is_left_alone(write_config: Callable[[str], Path]) -> None:
    path = write_config(USER_FILE)
    path.parent.chmod(0o755)
    store = ConfigStore.load(path)
    store.set_profile("local", {"page_size": 20})
    store.save()
    assert mode(path.parent) == 0o755


def test_unreadable_file_is_a_config_error(config_file: Path) -> None:
    config_file.mkdir(parents=True)
    with pytest.raises(ConfigError, match="cannot read"):
        ConfigStore.load(config_file)


FOREIGN = """\
# settings of a later version, or of another tool sharing the file
[plugins.audit]
enabled = true   # keep me
"""


def test_foreign_tables_are_kept_through_an_edit_and_named_in_a_warning(
    write_config: Callable[[str], Path],
) -> None:
    path = write_config(USER_FILE + "\n" + FOREIGN)
    store = ConfigStore.load(path)
    assert store.foreign_tables == ["plugins"]
    assert store.warnings() == [
        f"{path}: [plugins] not read (kept as is);"
        " the tables read are [profiles], [keymap], [columns]"
    ]
    store.set_profile("local", {"page_size": 20})
    store.save()
    assert path.read_text() == (USER_FILE + "\n" + FOREIGN).replace(
        "page_size = 50", "page_size = 20"
    )


def test_an_unknown_plain_key_at_the_top_is_still_an_error(
    write_config: Callable[[str], Path],
) -> None:
    path = write_config("plugins = 3\n" + USER_FILE)
    with pytest.raises(ConfigError, match="plugins: unknown key"):
        ConfigStore.load(path)
