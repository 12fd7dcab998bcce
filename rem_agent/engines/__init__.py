"""Decoding engines: one `Engine` protocol (`base`), and two local engines on
`LocalEngine` (`local`), llama.cpp and MLX, that run the one decode loop (`decode`).

Both decode greedily under a Lark grammar or JSON schema (llguidance's matcher, with
jump-forward), keep the KV cache of the static prompt prefix, and cache compiled grammars.
"""

from __future__ import annotations

from rem_agent.engines.base import (
    ChatMessage,
    DecodeStats,
    Engine,
    EngineChoice,
    EngineInfo,
    EngineName,
    Generation,
    StopReason,
)
from rem_agent.engines.llamacpp import LlamaCppEngine, llama_cpp_available
from rem_agent.engines.local import LocalEngine
from rem_agent.engines.mlx import MlxEngine
from rem_agent.engines.select import ENGINE_CHOICES, EngineRequest, choose_engine, create_engine

__all__ = [
    "ENGINE_CHOICES",
    "ChatMessage",
    "DecodeStats",
    "Engine",
    "EngineChoice",
    "EngineInfo",
    "EngineName",
    "EngineRequest",
    "Generation",
    "LlamaCppEngine",
    "LocalEngine",
    "MlxEngine",
    "StopReason",
    "choose_engine",
    "create_engine",
    "llama_cpp_available",
]
