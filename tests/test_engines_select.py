"""The `--engine auto` policy and `create_engine`'s errors."""

from __future__ import annotations

import pytest

from rem_agent.engines import choose_engine, create_engine, llama_cpp_available
from rem_agent.errors import UsageError

LINUX = {"system": "Linux", "machine": "x86_64"}
MAC_ARM = {"system": "Darwin", "machine": "arm64"}
MAC_INTEL = {"system": "Darwin", "machine": "x86_64"}


def test_auto_is_mlx_on_apple_silicon_even_with_llama_cpp() -> None:
    choice = choose_engine("auto", llama_cpp_installed=True, **MAC_ARM)
    assert choice.engine == "mlx"
    assert "Apple Silicon" in choice.reason


@pytest.mark.parametrize("where", [LINUX, MAC_INTEL])
def test_auto_is_llama_cpp_elsewhere_when_installed(where: dict[str, str]) -> None:
    choice = choose_engine("auto", llama_cpp_installed=True, **where)
    assert choice.engine == "llamacpp"
    assert where["system"] in choice.reason


def test_auto_falls_back_to_mlx_on_cpu_without_llama_cpp() -> None:
    choice = choose_engine("auto", llama_cpp_installed=False, **LINUX)
    assert choice.engine == "mlx"
    assert "not installed" in choice.reason


@pytest.mark.parametrize("kind", ["mlx_dir", "hf_repo"])
def test_auto_runs_mlx_formats_on_mlx(kind: str) -> None:
    assert choose_engine("auto", model_kind=kind, llama_cpp_installed=True, **LINUX).engine == "mlx"


def test_explicit_choice_wins() -> None:
    assert choose_engine("mlx", llama_cpp_installed=True, **LINUX).engine == "mlx"
    assert choose_engine("llamacpp", llama_cpp_installed=True, **MAC_ARM).engine == "llamacpp"


def test_llamacpp_without_llama_cpp_is_a_clear_usage_error() -> None:
    with pytest.raises(UsageError, match=r"pip install 'rem-agent\[llamacpp\]'") as info:
        choose_engine("llamacpp", llama_cpp_installed=False, **LINUX)
    assert info.value.exit_code == 2


def test_llamacpp_cannot_run_an_mlx_directory() -> None:
    with pytest.raises(UsageError, match="--engine mlx"):
        choose_engine("llamacpp", model_kind="mlx_dir", llama_cpp_installed=True, **LINUX)


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(UsageError, match="choose one of: auto, mlx, llamacpp"):
        choose_engine("vllm")


def test_this_machine_has_a_policy_answer() -> None:
    choice = choose_engine("auto")
    assert choice.engine == ("llamacpp" if llama_cpp_available() else "mlx") or (
        choice.engine == "mlx" and "Apple Silicon" in choice.reason
    )


def test_create_engine_reports_engine_and_model(bundled_gguf: object) -> None:
    if not llama_cpp_available():
        pytest.skip("llama-cpp-python is not installed")
    engine = create_engine("llamacpp", "qwen2.5-coder-0.5b")  # not loaded: cheap
    assert engine.name == "llamacpp"
    assert engine.model_name == "qwen2.5-coder-0.5b"
    assert engine.choice is not None and engine.choice.reason == "asked for"


def test_create_engine_refuses_a_missing_gguf(tmp_path: object) -> None:
    with pytest.raises(UsageError, match="not found"):
        create_engine("auto", "/nonexistent/model.gguf")
