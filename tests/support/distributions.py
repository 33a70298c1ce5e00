"""Installing a distribution for one test: its modules and ``*.dist-info`` on ``sys.path``."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

import pytest


def install_distribution(
    monkeypatch: pytest.MonkeyPatch,
    root: Path,
    name: str,
    entry_points: Mapping[str, str],
    modules: Mapping[str, str],
) -> None:
    """Write ``modules`` (module name to source) and a dist-info declaring ``entry_points``
    in the ``kotahub.adapters`` group under ``root``, and put ``root`` on ``sys.path``; the
    modules are forgotten again when the test ends, as the path is."""
    root.mkdir(parents=True, exist_ok=True)
    for module, source in modules.items():
        (root / f"{module}.py").write_text(source, encoding="utf-8")
        # Recorded so that undoing restores what was there (or nothing); then dropped, so
        # that the next import reads this source.
        monkeypatch.setitem(sys.modules, module, sys.modules.get(module))
        del sys.modules[module]
    info = root / f"{name.replace('-', '_')}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n", encoding="utf-8"
    )
    lines = [f"{kind} = {target}" for kind, target in entry_points.items()]
    (info / "entry_points.txt").write_text(
        "[kotahub.adapters]\n" + "\n".join(lines) + "\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(root))
