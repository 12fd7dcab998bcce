"""REM adapters: manifests and sha256 checks, which adapter a model gets, how the
agent's prompt follows it, and what the CLI says about it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fakes import ScriptedEngine, fake_adapter

from rem_agent.agent import RemAgent
from rem_agent.cli import main
from rem_agent.engines.llamacpp import LlamaCppEngine
from rem_agent.errors import RemAgentError, UsageError
from rem_agent.models.adapters import (
    GGUF_FILE,
    MLX_FILES,
    AdapterManifest,
    default_adapter,
    digest_files,
    load_adapter,
    resolve_adapter,
    shipped_adapters,
    write_manifest,
)

DEFAULT_MODEL = "qwen2.5-coder-0.5b"


def make_adapter(folder: Path, *, base_model: str = DEFAULT_MODEL) -> Path:
    """A well-formed adapter folder whose weight files are stand-ins."""
    (folder / "mlx-adapter").mkdir(parents=True)
    (folder / GGUF_FILE).write_bytes(b"GGUF" + bytes(range(256)) * 4)
    for rel in MLX_FILES:
        (folder / rel).write_text(json.dumps({"file": rel}))
    manifest = AdapterManifest(
        name="test-rem",
        base_model=base_model,
        rank=8,
        alpha=16.0,
        targets=("q_proj",),
        sha256=digest_files(folder),
    )
    write_manifest(folder, manifest)
    return folder


def test_a_good_adapter_verifies_for_both_engines(tmp_path: Path) -> None:
    adapter = load_adapter(make_adapter(tmp_path / "a"))
    adapter.verify()
    adapter.verify("llamacpp")
    adapter.verify("mlx")


def test_a_corrupt_file_is_a_clear_error(tmp_path: Path) -> None:
    folder = make_adapter(tmp_path / "a")
    data = bytearray((folder / GGUF_FILE).read_bytes())
    data[100] ^= 0xFF
    (folder / GGUF_FILE).write_bytes(bytes(data))
    adapter = load_adapter(folder)
    with pytest.raises(RemAgentError, match=r"adapter\.gguf is corrupt .*--no-adapter"):
        adapter.verify("llamacpp")
    adapter.verify("mlx")  # the MLX files are intact


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    folder = make_adapter(tmp_path / "a")
    (folder / MLX_FILES[1]).unlink()
    with pytest.raises(RemAgentError, match="is missing"):
        load_adapter(folder).verify("mlx")


def test_a_folder_without_manifest_or_with_a_broken_one(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a rem-agent adapter"):
        load_adapter(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(RemAgentError, match="unreadable"):
        load_adapter(tmp_path)


def test_the_engine_checks_the_adapter_before_loading_the_model(
    tmp_path: Path,
) -> None:
    folder = make_adapter(tmp_path / "a")
    (folder / GGUF_FILE).write_bytes(b"truncated")
    stand_in_model = tmp_path / "model.gguf"
    stand_in_model.write_bytes(b"never read: the adapter check fails first")
    engine = LlamaCppEngine(stand_in_model, adapter=load_adapter(folder))
    with pytest.raises(RemAgentError, match="corrupt"):
        engine.load()


def test_which_adapter_a_model_gets(tmp_path: Path) -> None:
    assert resolve_adapter(False, DEFAULT_MODEL, bundled=True) is None
    assert resolve_adapter(True, "my-model", bundled=False) is None  # a GGUF of one's own
    shipped = resolve_adapter(True, DEFAULT_MODEL, bundled=True)
    assert shipped == default_adapter(DEFAULT_MODEL)
    other = make_adapter(tmp_path / "other", base_model="qwen2.5-coder-1.5b")
    with pytest.raises(UsageError, match=r"trained for qwen2\.5-coder-1\.5b"):
        resolve_adapter(str(other), DEFAULT_MODEL, bundled=True)
    mine = resolve_adapter(str(make_adapter(tmp_path / "mine")), DEFAULT_MODEL, bundled=True)
    assert mine is not None and mine.name == "test-rem"


def test_the_shipped_adapter_is_the_default_and_its_files_match_the_manifest() -> None:
    adapters = shipped_adapters()
    assert [a.manifest.base_model for a in adapters] == [DEFAULT_MODEL]
    adapter = adapters[0]
    adapter.verify()
    assert default_adapter(DEFAULT_MODEL) == adapter
    assert default_adapter("qwen2.5-coder-1.5b") is None
    assert adapter.gguf.stat().st_size < 8_000_000  # a few MB, as shipped in the repository


def test_a_copied_shipped_adapter_with_a_flipped_byte_fails(tmp_path: Path) -> None:
    folder = shipped_adapters()[0].folder
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    data = bytearray((copy / GGUF_FILE).read_bytes())
    data[len(data) // 2] ^= 0x01
    (copy / GGUF_FILE).write_bytes(bytes(data))
    with pytest.raises(RemAgentError, match="corrupt"):
        load_adapter(copy).verify("llamacpp")


def test_the_prompt_follows_the_adapter() -> None:
    def agent(adapted: bool) -> tuple[RemAgent, ScriptedEngine]:
        engine = ScriptedEngine(
            answer=lambda _m, _g: 'SEARCH "kafka" IN resources',
            adapter=fake_adapter() if adapted else None,
        )
        return RemAgent(engine_instance=engine, cache_size=0), engine

    adapted, adapted_engine = agent(True)
    result = adapted.translate("kafka notes", explain=True)
    assert result.adapter == "scripted-rem"
    assert result.explain is not None and result.explain.prompt_style == "compact"
    assert result.explain.examples == []
    assert len(adapted_engine.calls[-1][0]) == 2  # system + request, no examples

    base, base_engine = agent(False)
    result = base.translate("kafka notes", explain=True)
    assert result.adapter is None
    assert result.explain is not None and result.explain.prompt_style == "few-shot"
    assert len(base_engine.calls[-1][0]) > 2


def test_translate_refuses_a_bad_adapter_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["translate", "kafka", "--adapter", "/no/such/adapter"]) == 2
    assert "not a rem-agent adapter" in capsys.readouterr().err


def test_adapter_and_no_adapter_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["translate", "kafka", "--adapter", "x", "--no-adapter"])
    assert exit_info.value.code == 2
    assert "not allowed with" in capsys.readouterr().err


def test_models_list_shows_the_adapter_with_its_sha256(capsys: pytest.CaptureFixture[str]) -> None:
    adapter = shipped_adapters()[0]
    assert main(["models", "list"]) == 0
    text = capsys.readouterr().out
    assert f"adapter  : {adapter.name} (default" in text
    assert adapter.manifest.sha256[GGUF_FILE] in text
    assert main(["models", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    listed = next(r for r in rows if r["name"] == DEFAULT_MODEL)["adapters"]
    assert listed[0]["sha256"] == adapter.manifest.sha256


def test_eval_compare_adapter_needs_an_adapter(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["eval", "eval/devset.jsonl", "--compare-adapter", "--no-adapter", "--limit", "1"])
        == 2
    )
    assert "drop --no-adapter" in capsys.readouterr().err
