"""Decoding engines: one `Engine` protocol, an MLX and a llama.cpp implementation.

Both decode greedily under a Lark grammar or JSON schema (outlines + llguidance), keep
the KV cache of the static prompt prefix, and cache compiled grammars.
"""

from __future__ import annotations

from rem_agent.engines.base import (
    ChatMessage,
    Engine,
    EngineChoice,
    EngineName,
    Generation,
    GenerationStats,
    StopReason,
)
from rem_agent.engines.llamacpp import LlamaCppEngine, llama_cpp_available
from rem_agent.engines.mlx import MlxEngine
from rem_agent.engines.select import ENGINE_CHOICES, EngineRequest, choose_engine, create_engine

__all__ = [
    "ENGINE_CHOICES",
    "ChatMessage",
    "Engine",
    "EngineChoice",
    "EngineName",
    "EngineRequest",
    "Generation",
    "GenerationStats",
    "LlamaCppEngine",
    "MlxEngine",
    "StopReason",
    "choose_engine",
    "create_engine",
    "llama_cpp_available",
]
