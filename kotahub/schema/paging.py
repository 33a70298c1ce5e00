"""Cursor connections for every paged list: edges with node and cursor, pageInfo, totalCount."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import strawberry

from kotahub.resolvers.paging import Page
from kotahub.schema.common import PageInfo

NodeT = TypeVar("NodeT")
HitT = TypeVar("HitT")


@strawberry.type(description="One item of a page, with the cursor that points at it.")
class Edge(Generic[NodeT]):
    node: NodeT
    cursor: str


@strawberry.type(description="A page of a longer list.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    total_count: int = strawberry.field(description="How many items match, over all pages.")


def connection(page: Page[HitT], node_of: Callable[[HitT], NodeT]) -> Connection[NodeT]:
    """The GraphQL connection for a page of resolver hits."""
    edges = [Edge(node=node_of(hit), cursor=cursor) for cursor, hit in page.items]
    info = PageInfo(
        has_next_page=page.has_next,
        has_previous_page=page.has_previous,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return Connection(edges=edges, page_info=info, total_count=page.total)
