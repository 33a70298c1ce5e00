"""The kotahub command: a bad configuration stops it with one line and exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kotahub", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_bad_config_file_stops_start_up_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text('[[sources]]\nname = "t"\nkind = "soap"\nbase_url = "http://x.test/"\n')
    result = _run("serve", "--config", str(config))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "kotahub: configuration error: "
        "source 't': unknown adapter kind 'soap'; known kinds: geojson"
    ]


def test_bad_environment_value_stops_start_up(tmp_path: Path) -> None:
    result = _run("serve", env={"PORT": "99999"})
    assert result.returncode == 2
    assert "invalid setting 'port'" in result.stderr and "99999" in result.stderr


def test_help_lists_the_commands() -> None:
    result = _run("--help")
    assert result.returncode == 0
    assert "serve" in result.stdout and "demo-sources" in result.stdout
