"""The documentation site's set-up: every page in its nav, nothing fetched, the README's links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).parents[2]
DOCS = ROOT / "docs"
# A Markdown link or image to a place in this repository: not a URL, not an anchor alone.
RELATIVE_LINK = re.compile(r"\]\((?!https?://|mailto:|#)([^)\s]+)\)")


def _site() -> dict[str, Any]:
    site: dict[str, Any] = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    return site


def _pages(nav: Any) -> Iterator[str]:
    if isinstance(nav, str):
        yield nav
    elif isinstance(nav, list):
        for item in nav:
            yield from _pages(item)
    elif isinstance(nav, dict):
        for item in nav.values():
            yield from _pages(item)


def test_the_nav_lists_every_page_once() -> None:
    listed = list(_pages(_site()["nav"]))
    pages = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
    assert sorted(listed) == pages


def test_the_site_builds_strictly_and_loads_nothing_from_the_internet() -> None:
    site = _site()
    assert site["docs_dir"] == "docs" and site["strict"] is True
    assert site["theme"]["name"] == "material" and site["theme"]["font"] is False
    assert site["plugins"] == ["search"]
    assert "repo_url" not in site and "extra_javascript" not in site and "extra_css" not in site


def test_the_readme_links_to_what_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = [link.split("#", 1)[0] for link in RELATIVE_LINK.findall(readme)]
    assert any(t.startswith("docs/") for t in targets)
    missing = [t for t in targets if not (ROOT / t).exists()]
    assert not missing, missing
