"""Fixtures of the intake tests: real-shaped demo files copied into a test's landing zone."""

import shutil
from pathlib import Path

import pytest

from orchestration import demo


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    demo.generate(out, scale=0.02, last_month="2023-06")
    return out


@pytest.fixture
def good(demo_dir, workspace):
    """A copy of real-shaped demo files in this test's landing zone."""

    def copy(source: str, name: str | None = None) -> Path:
        files = sorted((demo_dir / source).glob("*.csv"))
        original = files[0] if name is None else demo_dir / source / name
        target = workspace["landing"] / source / original.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(original, target)
        return target

    return copy
