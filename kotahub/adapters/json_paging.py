"""Walks the pages of a plain JSON API in the configured paging style, through the session."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from kotahub.adapters.json_options import JSONOptions
from kotahub.adapters.json_paths import MISSING, found, pick
from kotahub.errors import SourcePayloadError
from kotahub.upstream.client import Fetched, SourceSession
from kotahub.upstream.urls import ParamValue, normalized_url


def first_params(options: JSONOptions) -> dict[str, ParamValue]:
    """The query of the first page (and of the probe)."""
    size: dict[str, ParamValue] = {}
    if options.size_param:
        size[options.size_param] = options.page_size
    if options.paging == "page":
        return {options.page_param: options.first_page, **size}
    if options.paging == "offset":
        return {options.offset_param: 0, options.limit_param: options.page_size}
    return size if options.paging in ("next_link", "cursor") else {}


def items_of(source: str, options: JSONOptions, page: Fetched) -> list[Any]:
    """The page's array of items; SourcePayloadError naming the path when there is none."""
    items = pick(page.body, options.items)
    if isinstance(items, list):
        return items
    where = f"items path {options.items!r}" if options.items else "the answer (items path '')"
    raise SourcePayloadError(source, f"expected an array of items at {where}, found {found(items)}")


async def pages(
    session: SourceSession, options: JSONOptions, log: logging.Logger
) -> AsyncIterator[tuple[Fetched, list[Any]]]:
    """Each page with its items, until the paging style says the last one came or
    ``max_pages`` were read (with a warning)."""
    params = first_params(options)
    page = await session.get_json("", params or None)
    seen = {normalized_url(page.url)}
    cursors: set[str] = set()
    for number in range(1, options.max_pages + 1):
        items = items_of(session.name, options, page)
        yield page, items
        target, params = _following(session, options, page, items, number, params)
        if target is None:
            return
        if target and normalized_url(target) in seen:
            return
        if options.paging == "cursor":
            cursor = str(params[options.cursor_param])
            if cursor in cursors:
                return
            cursors.add(cursor)
        if number == options.max_pages:
            break
        page = await session.get_json(target, params or None)
        seen.add(normalized_url(page.url))
    log.warning("source %s: stopped after %d pages (max_pages)", session.name, options.max_pages)


def _following(
    session: SourceSession,
    options: JSONOptions,
    page: Fetched,
    items: list[Any],
    number: int,
    params: dict[str, ParamValue],
) -> tuple[str | None, dict[str, ParamValue]]:
    """Where the page after ``page`` is: (target, params), or (None, …) after the last."""
    style = options.paging
    if style == "none" or (style in ("page", "offset") and len(items) < options.page_size):
        return None, params
    if style == "page":
        return "", {**params, options.page_param: options.first_page + number}
    if style == "offset":
        return "", {**params, options.offset_param: number * options.page_size}
    if style == "next_link":
        link = pick(page.body, options.next_path)
        if link is MISSING or link is None or link == "":
            return None, params
        if not isinstance(link, str):
            raise SourcePayloadError(
                session.name,
                f"expected a URL at next_path {options.next_path!r}, found {found(link)}",
            )
        return session.resolve(link, relative_to=page.url), {}
    cursor = pick(page.body, options.cursor_path)
    if cursor is MISSING or cursor is None or cursor == "":
        return None, params
    if isinstance(cursor, bool) or not isinstance(cursor, str | int):
        raise SourcePayloadError(
            session.name,
            f"expected a cursor at cursor_path {options.cursor_path!r}, found {found(cursor)}",
        )
    return "", {**params, options.cursor_param: str(cursor)}
