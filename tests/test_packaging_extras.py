"""Every extra the docs and messages tell people to install exists in the built wheel's
metadata under exactly that spelling.

pip before 24 (a fresh Python 3.11 venv ships 23.2) does not normalise the extra a user
types, while hatchling publishes extras normalised (PEP 685: `model-1_5b` became
`model-1-5b`), so a name that needs normalising installs nothing there.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from email.parser import Parser
from pathlib import Path

import pytest

from rem_agent.models.registry import BUNDLED_MODELS

ROOT = Path(__file__).resolve().parents[1]
# `pip install -e '.[model,llamacpp]'`, `'.[model-1-5b]'`, `pip install 'rem-agent[server]'`.
_EXTRAS_IN_TEXT = re.compile(r"(?:(?<![\w/])\.|\brem-agent)\[([A-Za-z0-9_.,\- ]+)\]")
# Prose: "with the `model-1-5b` extra".
_EXTRA_IN_PROSE = re.compile(r"`([A-Za-z0-9_.\-]+)` extra\b")


def _normalised(name: str) -> str:
    """PEP 685 normal form, what hatchling writes into `Provides-Extra`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _extras_named_in(text: str) -> set[str]:
    listed = {
        extra.strip()
        for group in _EXTRAS_IN_TEXT.findall(text)
        for extra in group.split(",")
        if extra.strip()
    }
    return listed | set(_EXTRA_IN_PROSE.findall(text))


@pytest.fixture(scope="module")
def provided_extras(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """`Provides-Extra` of the wheel hatchling builds from this checkout.

    The PEP 517 metadata hook writes the METADATA the wheel carries, without copying the
    package: offline and about a second. It runs in a child so the build's cwd is the
    project root whatever pytest's is.
    """
    out = tmp_path_factory.mktemp("metadata")
    script = textwrap.dedent(
        f"""
        import hatchling.build
        print(hatchling.build.prepare_metadata_for_build_wheel({str(out)!r}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, (
        f"hatchling could not build the metadata (pip install -e '.[dev]'?):\n{done.stderr}"
    )
    dist_info = done.stdout.strip().splitlines()[-1]
    metadata = Parser().parsestr((out / dist_info / "METADATA").read_text())
    return set(metadata.get_all("Provides-Extra") or [])


def test_readme_names_extras() -> None:
    # Guard the parser: if README's install lines change shape, the check below must not
    # silently check nothing.
    named = _extras_named_in((ROOT / "README.md").read_text())
    assert {"model", "model-1-5b", "llamacpp", "server", "all"} <= named


def test_the_extras_parser_reads_the_shapes_people_write() -> None:
    text = (
        "pip install -e '.[model,llamacpp]' and `'.[model-1-5b]'`, pip install 'rem-agent[server]'"
    )
    assert _extras_named_in(text) == {"model", "llamacpp", "model-1-5b", "server"}
    assert _extras_named_in("`--model 1.5b` (with the `model-1_5b` extra)") == {"model-1_5b"}
    assert _extras_named_in("mlx[cpu], x[y]") == set()


@pytest.mark.parametrize(
    "document",
    ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("docs/*.md"))],
)
def test_every_extra_a_document_names_is_in_the_wheel(
    document: str, provided_extras: set[str]
) -> None:
    named = _extras_named_in((ROOT / document).read_text())
    missing = sorted(named - provided_extras)
    assert not missing, (
        f"{document} tells people to install extra(s) {missing}, but the wheel provides only "
        f"{sorted(provided_extras)} (exact spelling matters to pip < 24)"
    )


def test_every_bundled_model_names_an_extra_the_wheel_has(provided_extras: set[str]) -> None:
    for model in BUNDLED_MODELS.values():
        assert model.extra in provided_extras, (model.name, model.extra)
        assert f"rem-agent[{model.extra}]" in model.install_hint


def test_every_extra_is_already_in_normal_form(provided_extras: set[str]) -> None:
    # What pyproject declares is what pip users type; it must need no normalising.
    declared = re.search(
        r"^\[project\.optional-dependencies\]\n(.*?)^\[",
        (ROOT / "pyproject.toml").read_text(),
        re.MULTILINE | re.DOTALL,
    )
    assert declared is not None
    names = re.findall(r"^([A-Za-z0-9_.\-]+)\s*=", declared.group(1), re.MULTILINE)
    assert names, "no extras found in pyproject.toml"
    for name in names:
        assert name == _normalised(name), f"extra {name!r} is published as {_normalised(name)!r}"
        assert name in provided_extras
