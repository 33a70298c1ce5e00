"""Build Klik Balikpapan, the reference portal, into kotahub/hub/pages/static/portal/.

Installs portal/'s pinned npm packages with ``npm ci`` (from portal/package-lock.json, every
integrity hash checked), then writes the served folder: portal/src/ as it is, Leaflet under
vendor/leaflet/, the persisted operations (operations.js for the page, persisted.json for the
hub) and manifest.json, last, so that a half-finished build is never taken for a whole one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a file (python scripts/…): make `scripts` importable
    sys.path.insert(0, str(ROOT))

from scripts.node_tools import InstallError, run_npm_ci  # noqa: E402

NPM_PROJECT = ROOT / "portal"
LOCKFILE = NPM_PROJECT / "package-lock.json"
NODE_MODULES = NPM_PROJECT / "node_modules"
SOURCE_DIR = NPM_PROJECT / "src"
OPERATIONS_DIR = NPM_PROJECT / "operations"
ASSET_DIR = ROOT / "kotahub" / "hub" / "pages" / "static" / "portal"
# Written after npm ci succeeds: the lockfile's digest, so an unchanged lockfile skips npm.
STAMP = NODE_MODULES / ".kotahub-installed"
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
OPERATIONS_MODULE = "operations.js"
PERSISTED_NAME = "persisted.json"
GENERATED = (OPERATIONS_MODULE, PERSISTED_NAME, MANIFEST_NAME)
# What the page loads from npm packages, as (package, path inside it, path served).
LEAFLET_FILES: tuple[tuple[str, str], ...] = (
    ("dist/leaflet.js", "vendor/leaflet/leaflet.js"),
    ("dist/leaflet.css", "vendor/leaflet/leaflet.css"),
    ("LICENSE", "vendor/leaflet/LICENSE"),
)
LEAFLET_IMAGES = "dist/images"
# Packages the manifest names with their versions: served (leaflet) or for the tests only.
PACKAGES = ("leaflet", "axe-core")


@dataclass(frozen=True)
class Operation:
    """One named GraphQL operation the portal sends, by its hash."""

    name: str
    document: str
    source: Path

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.document.encode("utf-8")).hexdigest()


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def ensure_packages(force: bool) -> dict[str, str]:
    """npm ci in portal/ unless node_modules came from this lockfile; the pinned versions."""
    if not LOCKFILE.is_file():
        raise InstallError(f"{LOCKFILE} is missing")
    digest = sha256_of(LOCKFILE)
    try:
        current = STAMP.read_text(encoding="utf-8").strip() == digest
    except OSError:
        current = False
    if force or not current:
        run_npm_ci(NPM_PROJECT)
        STAMP.write_text(digest + "\n", encoding="utf-8")
    lock = read_json(LOCKFILE)
    return {package: locked_version(lock, package) for package in PACKAGES}


def locked_version(lock: dict[str, Any], package: str) -> str:
    """The lockfile's version of a package, checked against what npm installed."""
    try:
        version = str(lock["packages"][f"node_modules/{package}"]["version"])
    except KeyError as exc:
        raise InstallError(f"{package} is not in {LOCKFILE.name}; add it to package.json") from exc
    installed_manifest = NODE_MODULES / package / "package.json"
    if not installed_manifest.is_file():
        raise InstallError(f"npm ci did not install {package}; run with --force")
    installed = read_json(installed_manifest).get("version")
    if installed != version:
        raise InstallError(f"installed {package}@{installed}, but the lockfile pins {version}")
    return version


def read_operation(path: Path) -> Operation:
    """The file's one named operation; anything else is an error naming the file."""
    from graphql import GraphQLError, OperationDefinitionNode, parse

    text = path.read_text(encoding="utf-8")
    try:
        document = parse(text)
    except GraphQLError as exc:
        raise InstallError(f"{path.relative_to(ROOT)}: not valid GraphQL: {exc.message}") from exc
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    names = [op.name.value for op in operations if op.name is not None]
    if len(operations) != 1 or len(names) != 1:
        raise InstallError(
            f"{path.relative_to(ROOT)}: expected exactly one named operation, found "
            f"{len(operations)} operation(s), {len(names)} named"
        )
    return Operation(names[0], text, path)


def read_operations() -> list[Operation]:
    """Every operation in portal/operations/, checked to be unique by name."""
    files = sorted(OPERATIONS_DIR.glob("*.graphql"))
    if not files:
        raise InstallError(f"no operations in {OPERATIONS_DIR.relative_to(ROOT)}")
    operations = [read_operation(path) for path in files]
    seen: dict[str, Path] = {}
    for op in operations:
        if op.name in seen:
            raise InstallError(
                f"operation {op.name} is in both {seen[op.name].name} and {op.source.name}"
            )
        seen[op.name] = op.source
    return operations


def check_against_schema(operations: list[Operation]) -> None:
    """Each operation validates against the hub's schema, so the portal never sends a stale one."""
    from graphql import parse, validate

    try:
        from kotahub.schema.build import build_schema
    except ImportError as exc:
        raise InstallError(
            f"cannot import kotahub to check the operations against its schema ({exc}); "
            "install the project first (make run does), or pass --no-schema-check"
        ) from exc

    schema = build_schema()._schema
    for op in operations:
        errors = validate(schema, parse(op.document))
        if errors:
            detail = "; ".join(error.message for error in errors[:5])
            raise InstallError(
                f"{op.source.relative_to(ROOT)}: {op.name} does not match the schema: {detail}"
            )


def operations_module(operations: list[Operation]) -> str:
    mapping = {op.name: op.sha256 for op in sorted(operations, key=lambda op: op.name)}
    return (
        "// Generated by scripts/install_portal_assets.py from portal/operations/: do not edit.\n"
        f"export const OPERATIONS = {json.dumps(mapping, indent=2)};\n"
    )


def persisted_document(operations: list[Operation]) -> str:
    mapping = {op.sha256: op.document for op in sorted(operations, key=lambda op: op.name)}
    return json.dumps(mapping, indent=2, ensure_ascii=False) + "\n"


def copy_sources(staging: Path) -> None:
    """portal/src/ at the same relative paths; generated names are reserved."""
    for source in sorted(SOURCE_DIR.rglob("*")):
        if not source.is_file():
            continue
        relative = source.relative_to(SOURCE_DIR)
        if relative.as_posix() in GENERATED or relative.parts[0] == "vendor":
            raise InstallError(f"portal/src/{relative.as_posix()} clashes with a generated file")
        destination = staging / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)


def copy_leaflet(staging: Path) -> None:
    package = NODE_MODULES / "leaflet"
    files = [(package / inside, served) for inside, served in LEAFLET_FILES]
    files += [
        (image, f"vendor/leaflet/images/{image.name}")
        for image in sorted((package / LEAFLET_IMAGES).glob("*"))
        if image.is_file()
    ]
    for source, served in files:
        if not source.is_file():
            raise InstallError(f"npm ci did not provide leaflet/{source.relative_to(package)}")
        destination = staging / served
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)


def manifest(staging: Path, versions: dict[str, str], lock_hash: str) -> str:
    entries = [
        {
            "path": path.relative_to(staging).as_posix(),
            "size": path.stat().st_size,
            "sha256": sha256_of(path),
        }
        for path in sorted(staging.rglob("*"))
        if path.is_file()
    ]
    document = {
        "format": MANIFEST_FORMAT,
        "lockfile_sha256": lock_hash,
        "packages": versions,
        "files": entries,
    }
    return json.dumps(document, indent=2) + "\n"


def build_asset_dir(operations: list[Operation], versions: dict[str, str], target: Path) -> int:
    """Write everything in a new folder, the manifest last, then swap it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".portal-", dir=target.parent))
    try:
        copy_sources(staging)
        copy_leaflet(staging)
        (staging / OPERATIONS_MODULE).write_text(operations_module(operations), encoding="utf-8")
        (staging / PERSISTED_NAME).write_text(persisted_document(operations), encoding="utf-8")
        text = manifest(staging, versions, sha256_of(LOCKFILE))
        (staging / MANIFEST_NAME).write_text(text, encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        staging.replace(target)
        return len(json.loads(text)["files"])
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def install(force: bool, check_schema: bool) -> str:
    """Build the portal folder; return the one-line summary."""
    operations = read_operations()
    if check_schema:
        check_against_schema(operations)
    versions = ensure_packages(force)
    count = build_asset_dir(operations, versions, ASSET_DIR)
    packages = ", ".join(f"{name}@{version}" for name, version in versions.items())
    where = ASSET_DIR.relative_to(ROOT)
    return (
        f"portal built in {where}: {count} files, {len(operations)} persisted operations "
        f"({packages})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="run npm ci even if up to date")
    parser.add_argument(
        "--no-schema-check",
        action="store_true",
        help="skip validating the operations against kotahub's schema",
    )
    args = parser.parse_args(argv)
    try:
        print(install(force=args.force, check_schema=not args.no_schema_check))
    except (InstallError, OSError, ValueError) as exc:
        print(f"install_portal_assets: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
