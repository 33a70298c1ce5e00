"""Work shared between fields survives one field failing: GraphQL cancels that field's
siblings, and the others waiting on the same load or index must still get their answer."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.graphql import gql

MANGGAR = "VG91cmlzdFNwb3Q6dG91cmlzbTpwYW50YWktbWFuZ2dhci1zZWdhcmEtc2FyaQ"
SHARED_INDEX = f"""{{
  a: touristSpots(first: 3) {{ edges {{ node {{ name nearby {{ distanceKm }} }} }} }}
  b: touristSpot(id: "{MANGGAR}") {{
    nearby {{ distanceKm }} bad: nearbyHealthFacilities(radiusKm: 0) {{ name }} }}
}}"""
SHARED_LOADER = f"""{{
  a: touristSpots(first: 3) {{ edges {{ node {{ name nearbyHealthFacilities {{ name }} }} }} }}
  b: touristSpot(id: "{MANGGAR}") {{
    nearbyHealthFacilities(radiusKm: 2) {{ name }} bad: nearbyHealthFacilities(radiusKm: 0) {{
      name }} }}
}}"""


@pytest.mark.parametrize("query", [SHARED_INDEX, SHARED_LOADER], ids=["index", "loader"])
async def test_a_failing_field_leaves_the_shared_work_to_the_others(
    hub: HubFactory, hub_settings: Callable[..., Settings], query: str
) -> None:
    async with hub(hub_settings()) as client:
        for _ in range(2):  # the second time, with nothing cached in the process
            body = await gql(client, query)
            assert body["data"]["b"] is None
            assert [e["path"] for e in body["errors"]] == [["b", "bad"]]
            assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
            assert len(body["data"]["a"]["edges"]) == 3
