"""Builds the executable Strawberry schema with the hub's error policy."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from kotahub.schema.complaints import Complaint
from kotahub.schema.direct_resolvers import resolve_plain_fields_directly
from kotahub.schema.errors import ErrorPolicy
from kotahub.schema.event_memo import EventsForgetEachOther
from kotahub.schema.federation import FederatedSchema
from kotahub.schema.freshness import StaleReport
from kotahub.schema.health import HealthFacility
from kotahub.schema.input_errors import without_values
from kotahub.schema.list_bounds import BoundedLists
from kotahub.schema.parsing_off_loop import ParsedOffLoop
from kotahub.schema.query import Mutation, Query
from kotahub.schema.subscription import Subscription
from kotahub.schema.tourism import TouristSpot
from kotahub.schema.validation_memo import ValidatedOnce

log = logging.getLogger("kotahub.graphql")
MAX_BATCH = 1000


class HubSchema(strawberry.Schema):
    """Errors meant for clients are logged at debug level; ErrorPolicy logs the unexpected ones."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            log.debug("GraphQL error at %s: %s", error.path, without_values(error.message))


class FederatedHubSchema(FederatedSchema, HubSchema):
    """The same schema as an Apollo Federation v2 subgraph (setting ``federation``)."""


def build_schema(federation: bool = False) -> strawberry.Schema:
    """The served schema; with ``federation``, as a subgraph a supergraph can compose."""
    kind = FederatedHubSchema if federation else HubSchema
    schema = kind(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[TouristSpot, HealthFacility, Complaint],
        execution_context_class=EventsForgetEachOther,
        # The HTTP layer holds batches to max_batch_operations before they get here.
        # @defer and @stream are served as multipart/mixed (see kotahub.schema.incremental).
        config=StrawberryConfig(
            batching_config={"max_operations": MAX_BATCH},
            enable_experimental_incremental_execution=True,
        ),
        # Portals send the same few documents: validate each once, not on every request.
        extensions=[
            ErrorPolicy,
            StaleReport,
            ParsedOffLoop,
            ValidatedOnce,
            BoundedLists,
        ],
    )
    resolve_plain_fields_directly(schema)
    return schema
