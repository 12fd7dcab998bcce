"""REPL config file: optional, validated, and a bad one warns instead of crashing."""

from __future__ import annotations

from pathlib import Path

import pytest

from rem_agent.rem.profile import Profile
from rem_agent.repl import config


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(config.CONFIG_DIR_ENV, str(tmp_path / "cfg"))
    monkeypatch.setenv(config.DATA_DIR_ENV, str(tmp_path / "data"))
    (tmp_path / "cfg").mkdir()
    return tmp_path


def test_env_overrides_the_directories(dirs: Path) -> None:
    assert config.config_path() == dirs / "cfg" / "config.toml"
    assert config.history_path().parent == dirs / "data"


def test_missing_file_means_defaults(dirs: Path) -> None:
    loaded = config.load_config()
    assert loaded.warnings == [] and loaded.config == config.ReplConfig()


def test_values_are_read(dirs: Path) -> None:
    config.config_path().write_text(
        '[repl]\nprofile = "p8fs"\ntz = "Europe/Berlin"\njson = true\nvi = true\nexamples = 2\n'
    )
    loaded = config.load_config()
    assert loaded.warnings == []
    cfg = loaded.config
    assert cfg.profile is Profile.P8FS and cfg.tz == "Europe/Berlin"
    assert cfg.json_output and cfg.vi and cfg.examples == 2 and not cfg.explain


def test_file_without_repl_table_is_accepted(dirs: Path) -> None:
    config.config_path().write_text('engine = "llamacpp"\n')
    assert config.load_config().config.engine == "llamacpp"


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("[repl\nprofile = 'rem'", "cannot read it"),
        ('[repl]\nprofile = "sql"\n', "profile"),
        ('[repl]\ncolour = "red"\n', "colour"),
        ("[repl]\nexamples = -1\n", "examples"),
    ],
)
def test_bad_file_warns_and_falls_back(dirs: Path, body: str, needle: str) -> None:
    config.config_path().write_text(body)
    loaded = config.load_config()
    assert loaded.config == config.ReplConfig()
    assert len(loaded.warnings) == 1
    assert needle in loaded.warnings[0] and "built-in defaults" in loaded.warnings[0]


def test_sample_config_is_valid_toml_with_known_keys(dirs: Path) -> None:
    uncommented = "\n".join(
        line.lstrip("# ") if "=" in line else line for line in config.SAMPLE_CONFIG.splitlines()
    )
    uncommented = uncommented.replace('"~/my-catalog.yaml"', '"x.yaml"')
    config.config_path().write_text(uncommented)
    loaded = config.load_config()
    assert loaded.warnings == [], loaded.warnings
    assert loaded.config.profile is Profile.REM and loaded.config.tz == "Europe/Berlin"
