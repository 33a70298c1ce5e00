"""The portal landing-page query that every benchmarked configuration answers."""

from __future__ import annotations

import json

OPERATION = "Landing"
QUERY = """\
query Landing {
  touristSpots(first: 10) {
    edges {
      node {
        name district isOpenNow
        nearbyHealthFacilities(type: PUSKESMAS, first: 1) { name distanceKm }
      }
    }
  }
  complaints(filter: {status: OPEN}, first: 10) {
    edges { node { trackingId categoryName district } }
  }
  dimensions {
    code name
    programs { name indicators { name latest { value } } }
  }
}
"""


def landing_body() -> bytes:
    """The JSON body POSTed to /graphql."""
    return json.dumps({"query": QUERY, "operationName": OPERATION}).encode()
