"""Which engine runs which model: the `--engine auto` policy and `create_engine`."""

from __future__ import annotations

import platform

from rem_agent.engines.base import EngineChoice, EngineRequest
from rem_agent.engines.llamacpp import LlamaCppEngine, llama_cpp_available
from rem_agent.engines.local import LocalEngine
from rem_agent.engines.mlx import MlxEngine
from rem_agent.errors import UsageError
from rem_agent.models.progress import Progress

ENGINE_CHOICES: tuple[EngineRequest, ...] = ("auto", "mlx", "llamacpp")

LLAMACPP_MISSING = (
    "the llamacpp engine needs llama-cpp-python, which is not installed: "
    "pip install 'rem-agent[llamacpp]' (or use --engine mlx)"
)


def _apple_silicon(system: str, machine: str) -> bool:
    return system == "Darwin" and machine in ("arm64", "aarch64")


def choose_engine(
    requested: str = "auto",
    *,
    model_kind: str = "bundled",
    system: str | None = None,
    machine: str | None = None,
    llama_cpp_installed: bool | None = None,
) -> EngineChoice:
    """Apply the policy: MLX on Apple Silicon, llama.cpp elsewhere when installed, else MLX.

    An MLX model directory or Hugging Face repo can only run on MLX. The keyword
    arguments default to this machine; tests pass others.
    """
    if requested not in ENGINE_CHOICES:
        raise UsageError(
            f"unknown engine {requested!r}; choose one of: {', '.join(ENGINE_CHOICES)}"
        )
    system = system if system is not None else platform.system()
    machine = machine if machine is not None else platform.machine()
    if llama_cpp_installed is None:
        llama_cpp_installed = llama_cpp_available()
    mlx_only = model_kind in ("mlx_dir", "hf_repo")
    where = f"{system} {machine}"

    if requested == "llamacpp":
        if mlx_only:
            raise UsageError(
                "the llamacpp engine runs GGUF files; this model is an MLX "
                f"{'directory' if model_kind == 'mlx_dir' else 'repository'} (use --engine mlx)"
            )
        if not llama_cpp_installed:
            raise UsageError(LLAMACPP_MISSING)
        return EngineChoice(engine="llamacpp", reason="asked for")
    if requested == "mlx":
        return EngineChoice(engine="mlx", reason="asked for")
    if mlx_only:
        return EngineChoice(engine="mlx", reason="auto: the model is in MLX format")
    if _apple_silicon(system, machine):
        return EngineChoice(engine="mlx", reason=f"auto: Apple Silicon ({where})")
    if llama_cpp_installed:
        return EngineChoice(engine="llamacpp", reason=f"auto: llama.cpp installed on {where}")
    return EngineChoice(
        engine="mlx", reason=f"auto: llama-cpp-python not installed, MLX on the CPU of {where}"
    )


def create_engine(
    engine: EngineRequest = "auto",
    model: str | None = None,
    *,
    adapter: str | bool = True,
    progress: Progress | None = None,
) -> LocalEngine:
    """An engine (not yet loaded) for `model` (`--model`; None = the bundled default).

    `adapter`: True takes the REM adapter shipped for a bundled model (if any), False
    none (`--no-adapter`), a path another adapter (`--adapter PATH`). Prepares the files
    the engine reads, which the first time may join the bundled GGUF or convert it to
    MLX (both cached). The returned engine's `name`, `model_name`, `adapter` and
    `choice` say what was picked and why.
    """
    from rem_agent.models import resolve_model
    from rem_agent.models.adapters import resolve_adapter

    source = resolve_model(model)
    chosen_adapter = resolve_adapter(adapter, source.name, bundled=source.kind == "bundled")
    choice = choose_engine(engine, model_kind=source.kind)
    if choice.engine == "llamacpp":
        from rem_agent.models.bundle import local_gguf

        return LlamaCppEngine(
            local_gguf(source, progress),
            model_name=source.name,
            adapter=chosen_adapter,
            choice=choice,
        )
    from rem_agent.models.gguf_to_mlx import local_mlx_dir

    return MlxEngine(
        local_mlx_dir(source, progress=progress),
        model_name=source.name,
        adapter=chosen_adapter,
        choice=choice,
    )
