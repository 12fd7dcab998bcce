"""REM adapters: LoRA weights trained for one base model (`rem_agent/train/`).

An adapter is a directory holding `manifest.json`, the llama.cpp adapter
(`adapter.gguf`) and the mlx-lm adapter (`mlx-adapter/`). The manifest names the
base model and the sha256 of every file, checked before an engine loads them, so a
corrupt or truncated file is a clear error rather than a silently different model.

The adapters shipped with rem-agent live in the `adapters/` data folder; the one
for a bundled model is its default (`--no-adapter` turns it off).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from rem_agent.errors import RemAgentError, UsageError
from rem_agent.resources import data_dir

MANIFEST = "manifest.json"
GGUF_FILE = "adapter.gguf"
MLX_DIR = "mlx-adapter"
MLX_FILES = ("mlx-adapter/adapter_config.json", "mlx-adapter/adapters.safetensors")


class AdapterManifest(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    base_model: str  # the bundled model name it was trained on
    rank: int
    alpha: float
    targets: tuple[str, ...]
    sha256: dict[str, str]  # relative path -> hex digest
    trained: dict[str, object] = {}  # data, steps, losses, machine: what the model card says


class Adapter(BaseModel):
    """A located adapter: its manifest and folder."""

    model_config = ConfigDict(frozen=True)

    manifest: AdapterManifest
    folder: Path

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def gguf(self) -> Path:
        return self.folder / GGUF_FILE

    @property
    def mlx_dir(self) -> Path:
        return self.folder / MLX_DIR

    def verify(self, engine: str | None = None) -> None:
        """Check the sha256 of the files `engine` reads (all files when None)."""
        wanted = (
            [GGUF_FILE]
            if engine == "llamacpp"
            else list(MLX_FILES)
            if engine == "mlx"
            else list(self.manifest.sha256)
        )
        for rel in wanted:
            path = self.folder / rel
            expected = self.manifest.sha256.get(rel)
            if expected is None:
                raise RemAgentError(f"adapter {self.name}: its manifest lists no sha256 for {rel}")
            if not path.is_file():
                raise RemAgentError(f"adapter {self.name}: {path} is missing ({_repair})")
            actual = sha256_file(path)
            if actual != expected:
                raise RemAgentError(
                    f"adapter {self.name}: {path} is corrupt (sha256 {actual[:12]}..., "
                    f"expected {expected[:12]}...): {_repair}"
                )


_repair = "reinstall rem-agent, or translate without it (--no-adapter)"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_adapter(folder: Path) -> Adapter:
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise UsageError(f"{folder} is not a rem-agent adapter (no {MANIFEST})")
    try:
        manifest = AdapterManifest.model_validate_json(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValidationError, ValueError) as exc:
        first = str(exc).splitlines()[0]
        raise RemAgentError(f"adapter manifest {manifest_path} is unreadable: {first}") from None
    return Adapter(manifest=manifest, folder=folder)


def shipped_adapters() -> list[Adapter]:
    try:
        root = data_dir("adapters")
    except FileNotFoundError:
        return []
    return [load_adapter(d) for d in sorted(root.iterdir()) if (d / MANIFEST).is_file()]


def default_adapter(base_model: str) -> Adapter | None:
    """The shipped adapter trained for the bundled model `base_model`, if there is one."""
    return next((a for a in shipped_adapters() if a.manifest.base_model == base_model), None)


def resolve_adapter(request: str | bool, base_model: str, *, bundled: bool) -> Adapter | None:
    """What `--adapter PATH` / `--no-adapter` (False) / the default (True) mean for a model."""
    if request is False:
        return None
    if request is True:
        return default_adapter(base_model) if bundled else None
    adapter = load_adapter(Path(str(request)).expanduser())
    if bundled and adapter.manifest.base_model != base_model:
        raise UsageError(
            f"adapter {adapter.name} was trained for {adapter.manifest.base_model}, "
            f"not {base_model}: pass --model {adapter.manifest.base_model} or another adapter"
        )
    return adapter


def write_manifest(folder: Path, manifest: AdapterManifest) -> Path:
    from rem_agent.models.atomic import atomic_write_text

    path = folder / MANIFEST
    atomic_write_text(path, manifest.model_dump_json(indent=2) + "\n")
    return path


def digest_files(folder: Path) -> dict[str, str]:
    return {rel: sha256_file(folder / rel) for rel in (GGUF_FILE, *MLX_FILES)}
