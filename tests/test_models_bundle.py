"""Joining GGUF parts: fake parts for every failure mode, then the real 0.5B."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from rem_agent.errors import RemAgentError
from rem_agent.models.bundle import (
    LocatedPart,
    ensure_gguf,
    gguf_cache_path,
    gguf_status,
    installed_part,
    is_cached,
)
from rem_agent.models.registry import BUNDLED_MODELS, BundledModel, PartSpec

PART = 1000  # bytes per fake part; the last is shorter


class FakeParts:
    """Part files in a temp dir, with the RECORD hashes their packages would promise."""

    def __init__(self, root: Path, sizes: list[int], seed: int = 1) -> None:
        self.root = root
        self.payloads = [_bytes(n, seed + i) for i, n in enumerate(sizes)]
        self.records: dict[int, str] = {}
        for i, data in enumerate(self.payloads, 1):
            (root / f"part{i:02d}.bin").write_bytes(data)
            self.records[i] = hashlib.sha256(data).hexdigest()
        self.calls = 0

    def model(self, **changes: object) -> BundledModel:
        joined = b"".join(self.payloads)
        spec = BundledModel(
            name="fake-model",
            description="fake",
            parameters="0B",
            package_prefix="fake-pkg-part",
            part_count=len(self.payloads),
            part_size=PART,
            size=len(joined),
            sha256=hashlib.sha256(joined).hexdigest(),
            extra="fake",
            upstream="none",
        )
        return spec.model_copy(update=changes)

    def locate(self, part: PartSpec) -> LocatedPart | None:
        self.calls += 1
        path = self.root / f"part{part.index:02d}.bin"
        if not path.exists():
            return None
        return LocatedPart(path=path, record_sha256=self.records[part.index])


def _bytes(n: int, seed: int) -> bytes:
    return hashlib.shake_256(str(seed).encode()).digest(n)


@pytest.fixture
def fake(tmp_path: Path) -> FakeParts:
    parts = tmp_path / "parts"
    parts.mkdir()
    return FakeParts(parts, [PART, PART, PART, 321])


def test_join_writes_the_exact_bytes_and_a_stamp(fake: FakeParts, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    seen: list[tuple[str, int, int]] = []
    path = ensure_gguf(
        fake.model(), lambda s, d, t: seen.append((s, d, t)), locate=fake.locate, cache_dir=cache
    )
    assert path == cache / "fake-model-q4_k_m.gguf"
    assert path.read_bytes() == b"".join(fake.payloads)
    assert is_cached(fake.model(), cache)
    assert seen[-1][1] == seen[-1][2] == path.stat().st_size  # progress reached the end
    assert sorted(p.name for p in cache.iterdir()) == [path.name, path.name + ".stamp.json"]


def test_second_call_uses_the_cache_without_touching_parts(fake: FakeParts, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    ensure_gguf(fake.model(), locate=fake.locate, cache_dir=cache)
    calls = fake.calls
    for p in fake.root.iterdir():
        p.unlink()  # the parts may even be uninstalled once the file is cached
    assert ensure_gguf(fake.model(), locate=fake.locate, cache_dir=cache).is_file()
    assert fake.calls == calls


def test_truncated_cache_file_is_joined_again(fake: FakeParts, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    path = ensure_gguf(fake.model(), locate=fake.locate, cache_dir=cache)
    with path.open("r+b") as fh:
        fh.truncate(10)
    assert not is_cached(fake.model(), cache)
    ensure_gguf(fake.model(), locate=fake.locate, cache_dir=cache)
    assert path.read_bytes() == b"".join(fake.payloads)


def test_missing_part_names_the_package(fake: FakeParts, tmp_path: Path) -> None:
    (fake.root / "part03.bin").unlink()
    with pytest.raises(RemAgentError) as err:
        ensure_gguf(fake.model(), locate=fake.locate, cache_dir=tmp_path / "c")
    assert "pip install --force-reinstall fake-pkg-part3" in str(err.value)
    assert "part1" not in str(err.value).replace("part3", "")


def test_nothing_installed_points_at_the_extra(fake: FakeParts, tmp_path: Path) -> None:
    for p in fake.root.iterdir():
        p.unlink()
    with pytest.raises(RemAgentError, match=r"not installed.*rem-agent\[fake\]"):
        ensure_gguf(fake.model(), locate=fake.locate, cache_dir=tmp_path / "c")


def test_short_part_names_the_package(fake: FakeParts, tmp_path: Path) -> None:
    p2 = fake.root / "part02.bin"
    p2.write_bytes(p2.read_bytes()[:-1])
    with pytest.raises(RemAgentError, match=r"has 999 bytes.*--force-reinstall fake-pkg-part2$"):
        ensure_gguf(fake.model(), locate=fake.locate, cache_dir=tmp_path / "c")


def test_corrupt_part_is_found_by_its_record_hash(fake: FakeParts, tmp_path: Path) -> None:
    p4 = fake.root / "part04.bin"
    data = bytearray(p4.read_bytes())
    data[5] ^= 0xFF  # same size, different bytes
    p4.write_bytes(bytes(data))
    cache = tmp_path / "c"
    with pytest.raises(RemAgentError) as err:
        ensure_gguf(fake.model(), locate=fake.locate, cache_dir=cache)
    message = str(err.value)
    assert "sha256" in message and "corrupt" in message
    assert message.endswith("pip install --force-reinstall fake-pkg-part4")
    # Nothing half-written is left behind, and nothing claims to be verified.
    assert list(cache.iterdir()) == []


def test_wrong_versions_blame_every_package(fake: FakeParts, tmp_path: Path) -> None:
    wrong = fake.model(sha256="0" * 64)  # parts match their RECORDs, not the model
    with pytest.raises(RemAgentError) as err:
        ensure_gguf(wrong, locate=fake.locate, cache_dir=tmp_path / "c")
    assert "fake-pkg-part1 fake-pkg-part2 fake-pkg-part3 fake-pkg-part4" in str(err.value)


def test_full_verify_catches_silent_corruption_and_drops_the_stamp(
    fake: FakeParts, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    model = fake.model()
    path = ensure_gguf(model, locate=fake.locate, cache_dir=cache)
    assert gguf_status(model, full=True, locate=fake.locate, cache_dir=cache).sha256_ok
    data = bytearray(path.read_bytes())
    data[0] ^= 1
    path.write_bytes(bytes(data))
    assert is_cached(model, cache)  # the cheap check cannot see a flipped bit...
    status = gguf_status(model, full=True, locate=fake.locate, cache_dir=cache)
    assert status.sha256_ok is False and not status.stamped
    assert not is_cached(model, cache)  # ...but after a failed verify it re-joins
    ensure_gguf(model, locate=fake.locate, cache_dir=cache)
    assert path.read_bytes() == b"".join(fake.payloads)


def test_status_reports_missing_packages(fake: FakeParts, tmp_path: Path) -> None:
    (fake.root / "part01.bin").unlink()
    status = gguf_status(fake.model(), locate=fake.locate, cache_dir=tmp_path / "c")
    assert status.missing_packages == ["fake-pkg-part1"]
    assert (status.packages_installed, status.cached, status.sha256_ok) == (3, False, None)


def test_default_cache_dir_honours_env(
    fake: FakeParts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REM_AGENT_CACHE_DIR", str(tmp_path / "root"))
    path = ensure_gguf(fake.model(), locate=fake.locate)
    assert path == tmp_path / "root" / "models" / "fake-model" / "fake-model-q4_k_m.gguf"
    assert gguf_cache_path(fake.model()) == path


@pytest.mark.model
def test_installed_parts_are_found_with_record_hashes() -> None:
    spec = BUNDLED_MODELS["qwen2.5-coder-0.5b"]
    for part in spec.parts:
        found = installed_part(part)
        assert found is not None, part.package
        assert found.path.stat().st_size == part.size
        assert found.record_sha256 is not None and len(found.record_sha256) == 64


@pytest.mark.model
def test_real_05b_joins_to_the_published_sha256(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REM_AGENT_CACHE_DIR", str(tmp_path))
    spec = BUNDLED_MODELS["qwen2.5-coder-0.5b"]
    path = ensure_gguf(spec.name)
    assert path.stat().st_size == 491_400_064
    status = gguf_status(spec.name, full=True)
    assert status.sha256_ok and status.stamped and status.packages_installed == 6
    with path.open("rb") as fh:
        assert fh.read(4) == b"GGUF"
