"""Install the pinned GraphiQL browser assets from npm into kotahub/hub/pages/static/graphiql/."""

from __future__ import annotations

import argparse
import hashlib
import json
import posixpath
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a file (python scripts/…): make `scripts` importable
    sys.path.insert(0, str(ROOT))

from scripts.node_tools import InstallError, run_npm_ci  # noqa: E402

NPM_PROJECT = ROOT / "graphiql"
LOCKFILE = NPM_PROJECT / "package-lock.json"
NODE_MODULES = NPM_PROJECT / "node_modules"
ASSET_DIR = ROOT / "kotahub" / "hub" / "pages" / "static" / "graphiql"
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1

# Every file the playground page loads, as (npm package, path inside the package).
ASSETS: tuple[tuple[str, str], ...] = (
    ("react", "umd/react.production.min.js"),
    ("react-dom", "umd/react-dom.production.min.js"),
    ("graphiql", "graphiql.min.js"),
    ("graphiql", "graphiql.min.css"),
    ("@graphiql/plugin-explorer", "dist/index.umd.js"),
    ("@graphiql/plugin-explorer", "dist/style.css"),
    ("graphql-ws", "umd/graphql-ws.min.js"),  # subscriptions over WebSocket (window.graphqlWs)
)
LICENSE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt")
CSS_REFERENCE = re.compile(
    r"""url\(\s*(?P<q>['"]?)(?P<url>.*?)(?P=q)\s*\)|@import\s+(?P<iq>['"])(?P<import>.*?)(?P=iq)""",
    re.IGNORECASE,
)
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


@dataclass(frozen=True)
class Asset:
    """One file copied from an installed npm package into the asset folder."""

    package: str
    version: str
    path: str  # inside the package, POSIX style

    @property
    def source(self) -> Path:
        return NODE_MODULES / self.package / self.path

    @property
    def target(self) -> str:
        return f"{self.package}/{self.path}"


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def manifest_is_current(asset_dir: Path, lock_hash: str) -> bool:
    """Whether the installed assets came from this lockfile and are intact."""
    try:
        manifest = read_json(asset_dir / MANIFEST_NAME)
        files: list[dict[str, str]] = manifest["files"]
        if manifest["format"] != MANIFEST_FORMAT or manifest["lockfile_sha256"] != lock_hash:
            return False
        listed = {entry["path"] for entry in files}
        if not {f"{package}/{path}" for package, path in ASSETS} <= listed:
            return False
        return all(sha256_of(asset_dir / entry["path"]) == entry["sha256"] for entry in files)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def locked_version(lock: dict[str, Any], package: str) -> str:
    """The lockfile's version of a package, checked against what npm installed."""
    try:
        version = str(lock["packages"][f"node_modules/{package}"]["version"])
    except KeyError as exc:
        raise InstallError(f"{package} is not in {LOCKFILE.name}; add it to package.json") from exc
    installed = read_json(NODE_MODULES / package / "package.json").get("version")
    if installed != version:
        raise InstallError(f"installed {package}@{installed}, but the lockfile pins {version}")
    return version


def css_references(css: str) -> list[str]:
    """The url(...) and @import targets in a stylesheet, in order."""
    found = [m.group("url") or m.group("import") or "" for m in CSS_REFERENCE.finditer(css)]
    return [ref for ref in found if ref]


def css_dependencies(asset: Asset) -> list[Asset]:
    """Files a stylesheet references relatively (fonts, images), resolved inside its package."""
    deps: list[Asset] = []
    base = PurePosixPath(asset.path).parent
    for ref in css_references(asset.source.read_text(encoding="utf-8")):
        if ref.startswith("data:") or ref.startswith("#"):
            continue
        if EXTERNAL.match(ref):
            raise InstallError(f"{asset.target} references a remote resource: {ref}")
        relative = posixpath.normpath(base / ref.split("?")[0].split("#")[0])
        if relative.startswith(".."):
            raise InstallError(f"{asset.target} references a file outside its package: {ref}")
        deps.append(Asset(asset.package, asset.version, PurePosixPath(relative).as_posix()))
    return deps


def collect_assets(lock: dict[str, Any]) -> list[Asset]:
    """The listed assets, the files their CSS needs, and each package's licence."""
    wanted: dict[str, Asset] = {}
    for package, path in ASSETS:
        asset = Asset(package, locked_version(lock, package), path)
        wanted[asset.target] = asset
        if path.endswith(".css"):
            wanted.update((dep.target, dep) for dep in css_dependencies(asset))
        for name in LICENSE_NAMES:
            if (NODE_MODULES / package / name).is_file():
                licence = Asset(package, asset.version, name)
                wanted[licence.target] = licence
    missing = [asset.target for asset in wanted.values() if not asset.source.is_file()]
    if missing:
        raise InstallError(f"npm ci did not provide: {', '.join(missing)}")
    return list(wanted.values())


def build_asset_dir(assets: list[Asset], lock_hash: str, target: Path) -> None:
    """Copy the assets and write the manifest in a new folder, then swap it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".graphiql-", dir=target.parent))
    try:
        entries = []
        for asset in assets:
            destination = staging / asset.target
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(asset.source, destination)
            entries.append(
                {
                    "path": asset.target,
                    "package": asset.package,
                    "version": asset.version,
                    "sha256": sha256_of(destination),
                }
            )
        manifest = {"format": MANIFEST_FORMAT, "lockfile_sha256": lock_hash, "files": entries}
        (staging / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
        if target.exists():
            shutil.rmtree(target)
        staging.replace(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def install(force: bool) -> str:
    """Bring the asset folder in line with the lockfile; return the one-line summary."""
    if not LOCKFILE.is_file():
        raise InstallError(f"{LOCKFILE} is missing")
    lock_hash = sha256_of(LOCKFILE)
    where = ASSET_DIR.relative_to(ROOT)
    if not force and manifest_is_current(ASSET_DIR, lock_hash):
        (ASSET_DIR / MANIFEST_NAME).touch()  # newer than its inputs, so make skips it next time
        return f"GraphiQL assets already up to date in {where}"
    run_npm_ci(NPM_PROJECT)
    lock = read_json(LOCKFILE)
    assets = collect_assets(lock)
    build_asset_dir(assets, lock_hash, ASSET_DIR)
    packages = sorted({f"{asset.package}@{asset.version}" for asset in assets})
    return f"GraphiQL assets installed in {where}: {len(assets)} files from {', '.join(packages)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="reinstall even if up to date")
    args = parser.parse_args(argv)
    try:
        print(install(force=args.force))
    except (InstallError, OSError, ValueError) as exc:
        print(f"install_graphiql_assets: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
