"""PyPI GGUF parts → one verified `.gguf` in the user's cache, joined once.

The parts are found through `importlib.metadata` (never a hard-coded
site-packages path). Joining streams every byte through sha256, writes to a
temporary file and renames it into place, so a crash never leaves a file that
looks finished. A stamp next to the file records the verified hash; later uses
only compare sizes (cheap), `verify_gguf` re-hashes everything.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError

from rem_agent.errors import RemAgentError, UsageError
from rem_agent.models.atomic import atomic_write_text
from rem_agent.models.progress import Progress, no_progress
from rem_agent.models.registry import (
    BundledModel,
    ModelSource,
    PartSpec,
    bundled_model,
    models_cache_dir,
)

_CHUNK = 8 * 1024 * 1024


class LocatedPart(BaseModel):
    """An installed part file, with the sha256 its package's RECORD promises (hex)."""

    path: Path
    record_sha256: str | None = None


# How parts are found: the installed packages by default; tests inject their own.
PartLocator = Callable[[PartSpec], LocatedPart | None]


def installed_part(part: PartSpec) -> LocatedPart | None:
    """Find `part` in its installed distribution, or None when it is not installed."""
    try:
        dist = importlib.metadata.distribution(part.package)
    except importlib.metadata.PackageNotFoundError:
        return None
    wanted = part.member
    basename = wanted.rsplit("/", 1)[-1]
    candidates = [f for f in dist.files or [] if f.as_posix() == wanted]
    # Tolerate a re-packaged wheel that moved the file but kept its name.
    candidates = candidates or [f for f in dist.files or [] if f.name == basename]
    if not candidates:
        return None
    record = candidates[0]
    digest: str | None = None
    if record.hash is not None and record.hash.mode == "sha256":
        raw = base64.urlsafe_b64decode(record.hash.value + "=" * (-len(record.hash.value) % 4))
        digest = raw.hex()
    return LocatedPart(path=Path(str(record.locate())), record_sha256=digest)


class GgufStamp(BaseModel):
    """What was verified, written next to the joined file."""

    name: str
    size: int
    sha256: str
    verified_at: datetime


class GgufStatus(BaseModel):
    """What `rem-agent models list/verify` shows about one bundled model."""

    name: str
    packages_installed: int
    packages_total: int
    missing_packages: list[str]
    path: Path
    cached: bool
    size_ok: bool
    stamped: bool
    sha256_ok: bool | None = None  # None: not hashed in this call


def gguf_cache_path(model: BundledModel, cache_dir: Path | None = None) -> Path:
    return (cache_dir or models_cache_dir() / model.name) / model.gguf_filename


def _stamp_path(gguf: Path) -> Path:
    return gguf.with_name(gguf.name + ".stamp.json")


def _read_stamp(gguf: Path) -> GgufStamp | None:
    try:
        return GgufStamp.model_validate_json(_stamp_path(gguf).read_text())
    except (OSError, ValidationError, ValueError):
        return None


def _write_stamp(gguf: Path, model: BundledModel) -> None:
    stamp = GgufStamp(
        name=model.name, size=model.size, sha256=model.sha256, verified_at=datetime.now(UTC)
    )
    atomic_write_text(_stamp_path(gguf), stamp.model_dump_json(indent=2))


def is_cached(model: BundledModel, cache_dir: Path | None = None) -> bool:
    """Cheap check: a stamp for this exact hash and a file of the right size."""
    path = gguf_cache_path(model, cache_dir)
    stamp = _read_stamp(path)
    return (
        stamp is not None
        and stamp.sha256 == model.sha256
        and stamp.size == model.size
        and path.is_file()
        and path.stat().st_size == model.size
    )


def ensure_gguf(
    model: str | BundledModel,
    progress: Progress | None = None,
    *,
    locate: PartLocator = installed_part,
    cache_dir: Path | None = None,
) -> Path:
    """The path of the joined, verified GGUF for a bundled model; joins it the first time.

    Raises RemAgentError naming the package(s) to (re)install when a part is
    missing, short or corrupt, or when the disk has no room for the file.
    """
    spec = bundled_model(model) if isinstance(model, str) else model
    progress = progress or no_progress
    target = gguf_cache_path(spec, cache_dir)
    if is_cached(spec, cache_dir):
        return target

    located = _locate_parts(spec, locate)
    target.parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(target.parent).free
    if free < spec.size:
        raise RemAgentError(
            f"not enough disk space to join {spec.name}: need {spec.size / 1e6:.0f} MB "
            f"in {target.parent}, have {free / 1e6:.0f} MB (set REM_AGENT_CACHE_DIR elsewhere)"
        )

    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".partial")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        done = 0
        stage = f"joining {spec.name} ({spec.size / 1e6:.0f} MB)"
        progress(stage, 0, spec.size)
        with os.fdopen(fd, "wb") as out:
            for _part, found in located:
                with found.path.open("rb") as src:
                    while chunk := src.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        done += len(chunk)
                        progress(stage, min(done, spec.size), spec.size)
        if done != spec.size:  # a part changed size under us since the size check
            raise _corrupt(spec, located, f"joined {done} bytes, expected {spec.size}")
        if digest.hexdigest() != spec.sha256:
            raise _corrupt(spec, located, "sha256 of the joined file does not match")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _write_stamp(target, spec)
    return target


def _locate_parts(spec: BundledModel, locate: PartLocator) -> list[tuple[PartSpec, LocatedPart]]:
    found: list[tuple[PartSpec, LocatedPart]] = []
    missing: list[PartSpec] = []
    for part in spec.parts:
        hit = locate(part)
        if hit is None or not hit.path.is_file():
            missing.append(part)
        else:
            found.append((part, hit))
    if len(missing) == len(spec.parts):
        raise RemAgentError(
            f"model {spec.name} is not installed; install it with: {spec.install_hint}"
        )
    if missing:
        names = " ".join(p.package for p in missing)
        raise RemAgentError(
            f"model {spec.name} is incomplete: missing part(s) {names}; "
            f"reinstall with: pip install --force-reinstall {names}"
        )
    for part, hit in found:
        size = hit.path.stat().st_size
        if size != part.size:
            raise RemAgentError(
                f"model {spec.name}: part {part.index} ({hit.path}) has {size} bytes, "
                f"expected {part.size}; reinstall it with: {part.reinstall_hint}"
            )
    return found


def _corrupt(
    spec: BundledModel, located: list[tuple[PartSpec, LocatedPart]], why: str
) -> RemAgentError:
    """Find which part is to blame (by its RECORD hash) and say what to reinstall."""
    bad = [
        part
        for part, hit in located
        if hit.record_sha256 is not None and _sha256_file(hit.path) != hit.record_sha256
    ]
    blamed = bad or [part for part, _ in located]
    names = " ".join(p.package for p in blamed)
    which = "corrupt part(s)" if bad else "the installed parts do not make the expected file"
    return RemAgentError(
        f"model {spec.name}: {why}; {which}: {names}; "
        f"reinstall with: pip install --force-reinstall {names}"
    )


def _sha256_file(path: Path, progress: Progress | None = None, stage: str = "") -> str:
    digest = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(stage, done, total)
    return digest.hexdigest()


def gguf_status(
    model: str | BundledModel,
    *,
    full: bool = False,
    progress: Progress | None = None,
    locate: PartLocator = installed_part,
    cache_dir: Path | None = None,
) -> GgufStatus:
    """Report on one bundled model; `full=True` re-hashes the cached file."""
    spec = bundled_model(model) if isinstance(model, str) else model
    path = gguf_cache_path(spec, cache_dir)
    missing = [p.package for p in spec.parts if locate(p) is None]
    cached = path.is_file()
    size_ok = cached and path.stat().st_size == spec.size
    stamp = _read_stamp(path)
    stamped = stamp is not None and stamp.sha256 == spec.sha256
    sha_ok: bool | None = None
    if full and cached:
        sha_ok = size_ok and (_sha256_file(path, progress, f"hashing {spec.name}") == spec.sha256)
        if sha_ok and not stamped:
            _write_stamp(path, spec)
            stamped = True
        elif not sha_ok:
            # A bad file must not pass the cheap check next time: drop its stamp.
            _stamp_path(path).unlink(missing_ok=True)
            stamped = False
    return GgufStatus(
        name=spec.name,
        packages_installed=len(spec.parts) - len(missing),
        packages_total=len(spec.parts),
        missing_packages=missing,
        path=path,
        cached=cached,
        size_ok=size_ok,
        stamped=stamped,
        sha256_ok=sha_ok,
    )


def local_gguf(source: ModelSource, progress: Progress | None = None) -> Path:
    """A GGUF file on disk for `source` (for llama.cpp): joins bundled models as needed."""
    if source.kind == "bundled":
        return ensure_gguf(source.name, progress)
    if source.kind == "gguf" and source.path is not None:
        return source.path
    raise UsageError(
        f"model {source.name!r} is a {source.kind.replace('_', ' ')}, "
        "but this engine needs a GGUF file or a bundled model"
    )
