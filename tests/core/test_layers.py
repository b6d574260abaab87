"""The layers in DESIGN.md are an import-linter contract; a wrong import must fail it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(src: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        capture_output=True,
        text=True,
        env=env,
        cwd=src,
    )


def test_the_layers_contract_holds() -> None:
    result = _lint(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr


def test_core_importing_a_domain_breaks_the_contract(tmp_path: Path) -> None:
    shutil.copytree(
        ROOT / "src" / "shijing",
        tmp_path / "shijing",
        ignore=shutil.ignore_patterns("__pycache__", "static", "templates"),
    )
    clock = tmp_path / "shijing" / "core" / "clock.py"
    clock.write_text(clock.read_text() + "\nimport shijing.accounts.models  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "shijing.core.clock -> shijing.accounts.models" in result.stdout
