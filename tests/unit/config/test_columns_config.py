"""``[columns.VIEW]``: the column chooser's choices, kept with the rest of the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from mpilot_tui.config import ConfigError, ConfigStore


def test_set_columns_keeps_comments_and_removes_an_empty_choice(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('# mine\ntheme = "nord"\n\n[profiles.a]\nbase_url = "http://x"  # local\n')
    store = ConfigStore.load(path)
    store.set_columns("files", ["expires_at"], {"filename": 40})
    store.set_columns("container-files", [], {"path": 50})
    store.save()
    text = path.read_text()
    assert text.startswith('# mine\ntheme = "nord"\n') and "# local" in text
    config = ConfigStore.load(path).config
    assert config.columns["files"].hidden == ["expires_at"]
    assert config.columns["files"].widths == {"filename": 40}
    assert config.columns["container-files"].widths == {"path": 50}
    store = ConfigStore.load(path)
    store.set_columns("files", [], {})
    store.set_columns("container-files", [], {})
    store.save()
    assert "columns" not in path.read_text()
    assert ConfigStore.load(path).config.profiles["a"].base_url == "http://x"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[columns.files]\nwidths = { filename = 2 }\n", "columns.files.widths.filename"),
        ("[columns.files]\nhidden = [1]\n", "columns.files.hidden"),
        ("[columns.files]\nsizes = {}\n", "allowed keys in [columns.files]: hidden, widths"),
        ("[columns.bogus]\n", "VIEW one of files, container-files, containers, requests"),
    ],
)
def test_bad_columns_are_named(tmp_path: Path, text: str, said: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        ConfigStore.load(path)
    assert said in str(caught.value)


def test_a_bad_value_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('theme = "nord"\n')
    store = ConfigStore.load(path)
    with pytest.raises(ConfigError):
        store.set_columns("files", [], {"filename": 9999})
    assert store.config.columns == {}
    store.save()
    assert path.read_text() == 'theme = "nord"\n'
