"""Install the pinned federation composition library from npm into federation/node_modules/.

The tests compose the hub's subgraph SDL with it (tests/schema/test_federation_composition.py);
the hub itself never runs it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a file (python scripts/…): make `scripts` importable
    sys.path.insert(0, str(ROOT))

from scripts.node_tools import InstallError, run_npm_ci  # noqa: E402

NPM_PROJECT = ROOT / "federation"
LOCKFILE = NPM_PROJECT / "package-lock.json"
NODE_MODULES = NPM_PROJECT / "node_modules"
# Written after npm ci succeeds: the lockfile's digest. Make compares its time with the inputs'.
STAMP = NODE_MODULES / ".kotahub-installed"
COMPOSITION = "@theguild/federation-composition"


def lock_digest() -> str:
    if not LOCKFILE.is_file():
        raise InstallError(f"{LOCKFILE} is missing")
    return hashlib.sha256(LOCKFILE.read_bytes()).hexdigest()


def is_current(digest: str) -> bool:
    """Whether node_modules came from this lockfile and still holds the library."""
    try:
        stamped = STAMP.read_text(encoding="utf-8").strip()
    except OSError:
        return False
    return stamped == digest and (NODE_MODULES / COMPOSITION / "package.json").is_file()


def installed_versions() -> list[str]:
    """``name@version`` of each direct dependency, as npm installed it."""
    wanted = json.loads((NPM_PROJECT / "package.json").read_text(encoding="utf-8"))
    found = []
    for name in sorted(wanted["dependencies"]):
        manifest = NODE_MODULES / name / "package.json"
        if not manifest.is_file():
            raise InstallError(f"npm ci did not install {name}")
        version = json.loads(manifest.read_text(encoding="utf-8"))["version"]
        found.append(f"{name}@{version}")
    return found


def install(force: bool) -> str:
    """Bring node_modules in line with the lockfile; return the one-line summary."""
    digest = lock_digest()
    where = NODE_MODULES.relative_to(ROOT)
    if not force and is_current(digest):
        STAMP.touch()  # newer than its inputs, so make skips it next time
        return f"federation composition already up to date in {where}"
    run_npm_ci(NPM_PROJECT)
    versions = installed_versions()
    STAMP.write_text(digest + "\n", encoding="utf-8")
    return f"federation composition installed in {where}: {', '.join(versions)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="reinstall even if up to date")
    args = parser.parse_args(argv)
    try:
        print(install(force=args.force))
    except (InstallError, OSError, ValueError, KeyError) as exc:
        print(f"install_federation_composition: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
