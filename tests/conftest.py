"""Shared fixtures: paths, the bundled model's GGUF and its real tokenizer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
REM_MD = ROOT.parent / "shared" / "REM.md"


def rem_md_examples() -> list[dict[str, object]]:
    return json.loads((DATA / "rem_md_examples.json").read_text())["examples"]


@pytest.fixture(scope="session")
def bundled_gguf() -> Path:
    """The bundled 0.5B GGUF, joined and verified once (the `model` extra installs it)."""
    from rem_agent.models.bundle import ensure_gguf

    return ensure_gguf("qwen2.5-coder-0.5b")


@pytest.fixture(scope="session")
def qwen_tokenizer(bundled_gguf: Path):  # type: ignore[no-untyped-def]
    """The real Qwen2.5 tokenizer, rebuilt from the bundled GGUF's metadata."""
    from rem_agent.models.tokenizer import tokenizer_from_gguf

    return tokenizer_from_gguf(bundled_gguf)


@pytest.fixture(scope="session")
def ll_tokenizer(qwen_tokenizer):  # type: ignore[no-untyped-def]
    """llguidance's view of the real tokenizer, for matching grammars token by token."""
    import llguidance

    return llguidance.LLTokenizer(
        qwen_tokenizer.tokenizer.to_str(), eos_token=qwen_tokenizer.info.eos_token_id
    )
