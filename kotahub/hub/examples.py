"""The example operations GraphiQL opens with."""

from __future__ import annotations

from kotahub.hub.playground import PlaygroundExample

_BEACHES = """\
# Selamat datang di KotaHub! Welcome!
# Balikpapan's city data in one GraphQL endpoint.
# Press the run button (or Ctrl-Enter) to list the beaches.
query Beaches($lang: Lang = EN) {
  touristSpots(filter: {category: "beach"}, first: 5) {
    totalCount
    edges {
      node {
        id
        name
        district
        description(lang: $lang)
        openingHours
        isOpenNow
        ticketPrice { adult child currency }
        eTicketUrl
        location { lat lon }
        meta { source fetchedAt stale }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

_NEAR_ME = """\
# Attractions within 10 km of Balikpapan's city centre, nearest first.
query NearCityCentre {
  touristSpots(near: {lat: -1.2654, lon: 116.8312, radiusKm: 10}, first: 10) {
    edges {
      node { name category district distanceKm isOpenNow }
    }
  }
}
"""

_NEAREST_CARE = """\
# The nearest care: puskesmas and hospitals within 5 km, nearest first,
# whether they are open now (WITA), and the emergency numbers.
query NearestCare {
  healthFacilities(near: {lat: -1.2654, lon: 116.8312, radiusKm: 5}, first: 5) {
    edges {
      node {
        name type district distanceKm
        emergency isOpenNow openingHours phone
        services { name emergency openingHours }
      }
    }
  }
  emergencyContacts { number name description }
}
"""

_EMERGENCY = """\
# Hospitals with an emergency department (IGD), in English.
query EmergencyDepartments {
  healthFacilities(filter: {type: HOSPITAL, emergency: true}) {
    totalCount
    edges { node { name district phone location { lat lon } } }
  }
  emergencyContacts { number name(lang: EN) }
}
"""

_BEACH_AND_CARE = """\
# Each beach with its nearest puskesmas: one upstream search serves the whole list.
query BeachesWithNearestPuskesmas {
  touristSpots(filter: {category: "beach"}) {
    edges {
      node {
        name district isOpenNow
        nearbyHealthFacilities(type: PUSKESMAS, radiusKm: 10, first: 1) {
          name distanceKm isOpenNow
        }
      }
    }
  }
}
"""

_COMPLAINTS = """\
# Open public complaints: what the city is doing, and which are overdue.
query OpenComplaints {
  complaints(filter: {status: OPEN}, first: 10) {
    totalCount
    edges {
      node {
        trackingId categoryName district agency statusNotes
        requestedAt expectedAt isOverdue
      }
    }
  }
  complaintCategories { code name questions { code required choices { key name } } }
}
"""

_SUBMIT = """\
# File a complaint: it is queued durably before this answers; follow it with
# complaint(trackingId: "KH-…"). The reporter's details are never shown again.
mutation FileComplaint($input: SubmitComplaintInput!) {
  submitComplaint(input: $input, idempotencyKey: "playground-example-1") {
    trackingId
    deliveryStatus
    errors { field message }
  }
}
"""

_SUBMIT_VARIABLES = """{
  "input": {
    "category": "jalan-rusak",
    "description": "Jalan berlubang di depan SD, berbahaya untuk motor",
    "location": {"lat": -1.2688, "lon": 116.8305},
    "answers": [{"code": "tingkat_kerusakan", "values": ["berat"]}],
    "reporter": {"firstName": "Warga", "email": "warga@example.com"}
  }
}"""

_DIMENSIONS = """\
# The six smart-city dimensions: programs, indicators with trend and target,
# and indicators the hub computes live from complaints, tourism and health.
query SmartCity($lang: Lang = EN) {
  dimensions {
    code
    name(lang: $lang)
    programs {
      name(lang: $lang) agency status
      indicators { name(lang: $lang) unit target latest { period value } trend meetsTarget }
    }
    liveIndicators {
      name(lang: $lang) unit latest { value } method(lang: $lang) computedFrom
      breakdown { label value }
    }
  }
}
"""

_ONE_SPOT = """\
# Look up any object by its global id (copy one from another query's id field).
query ByGlobalId($id: ID!) {
  node(id: $id) {
    id
    ... on TouristSpot { name district openingHours photos }
  }
}
"""

PLAYGROUND_EXAMPLES = (
    PlaygroundExample(title="Beaches of Balikpapan", query=_BEACHES),
    PlaygroundExample(title="Around the city centre", query=_NEAR_ME),
    PlaygroundExample(title="Nearest care", query=_NEAREST_CARE),
    PlaygroundExample(title="Emergency departments", query=_EMERGENCY),
    PlaygroundExample(title="Beaches and their puskesmas", query=_BEACH_AND_CARE),
    PlaygroundExample(title="Public complaints", query=_COMPLAINTS),
    PlaygroundExample(title="Smart-city dimensions", query=_DIMENSIONS),
    PlaygroundExample(title="File a complaint", query=_SUBMIT, variables=_SUBMIT_VARIABLES),
    PlaygroundExample(
        title="Any object by id",
        query=_ONE_SPOT,
        variables='{"id": "VG91cmlzdFNwb3Q6dG91cmlzbTpwYW50YWktbWFuZ2dhci1zZWdhcmEtc2FyaQ"}',
    ),
)
