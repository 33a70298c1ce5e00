"""The example operations GraphiQL opens with: the whole city first, then one per domain."""

from __future__ import annotations

from kotahub.hub.pages.playground import PlaygroundExample

_WHOLE_CITY = """\
# Press the run button (or Ctrl-Enter). Tekan tombol jalankan (atau Ctrl-Enter).
query WholeCity($lang: Lang = ID) {
  spotsOpenNow: touristSpots(filter: {openNow: true}, first: 6) {
    totalCount
    edges {
      node {
        id name category district openingHours
        nearestPuskesmas: nearbyHealthFacilities(type: PUSKESMAS, radiusKm: 10, first: 1) {
          name distanceKm isOpenNow phone
        }
      }
    }
  }
  districts {
    name
    complaintStats { open overdue onTimeRate }
    openComplaints: complaints(status: OPEN, first: 3) {
      totalCount
      edges { node { trackingId categoryName agency requestedAt isOverdue } }
    }
  }
  dimensions {
    code
    name(lang: $lang)
    programs {
      name(lang: $lang)
      indicators { name(lang: $lang) unit latest { period value } trend meetsTarget }
    }
    liveIndicators { name(lang: $lang) unit latest { value } }
  }
  emergencyContacts { number name(lang: $lang) }
}
"""

_SEARCH = """\
query SearchEverything($text: String = "pantai mangar") {
  search(text: $text, first: 10) {
    totalCount
    edges {
      node {
        kind score
        item {
          ... on TouristSpot { name district isOpenNow }
          ... on HealthFacility { name type phone }
          ... on Complaint { trackingId categoryName status }
          ... on Program { name agency }
          ... on Indicator { name latest { period value } }
        }
      }
    }
  }
}
"""

_BEACHES = """\
query Beaches($lang: Lang = EN) {
  touristSpots(filter: {category: "beach"}, first: 5) {
    totalCount
    edges {
      node {
        id name district
        description(lang: $lang)
        openingHours isOpenNow
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
query NearCityCentre {
  touristSpots(near: {lat: -1.2654, lon: 116.8312, radiusKm: 10}, first: 5) {
    edges {
      node {
        name category district distanceKm isOpenNow
        nearby(radiusKm: 1, first: 3) {
          kind distanceKm
          item {
            ... on TouristSpot { name }
            ... on HealthFacility { name type }
            ... on Complaint { categoryName status }
          }
        }
      }
    }
  }
}
"""

_NEAREST_CARE = """\
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
query EmergencyDepartments {
  healthFacilities(filter: {type: HOSPITAL, emergency: true}) {
    totalCount
    edges { node { name district phone location { lat lon } } }
  }
  emergencyContacts { number name(lang: EN) }
}
"""

_BEACH_AND_CARE = """\
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

_DISTRICTS = """\
query Districts {
  districts {
    id name
    touristSpots { totalCount }
    healthFacilities(type: PUSKESMAS) { totalCount }
    complaintStats {
      total open overdue closedOnTime onTimeRate medianDaysToClose
      byCategory { name total open }
    }
  }
}
"""

_COMPLAINTS = """\
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

_FOLLOW = """\
subscription FollowComplaint($trackingId: String!) {
  complaintUpdated(trackingId: $trackingId) {
    trackingId deliveryStatus status statusNotes agency expectedAt
  }
}
"""

_FOLLOW_VARIABLES = '{"trackingId": "BPN-000064"}'

_DIMENSIONS = """\
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

_BY_ID = """\
query ByGlobalId($id: ID!) {
  node(id: $id) {
    id
    __typename
    ... on TouristSpot { name district openingHours photos }
    ... on HealthFacility { name type phone }
    ... on Complaint { trackingId status }
    ... on Program { name }
    ... on Indicator { name latest { value } }
    ... on District { name complaintStats { open } }
  }
}
"""

PLAYGROUND_EXAMPLES = (
    PlaygroundExample(
        title="The whole city in one request",
        query=_WHOLE_CITY,
        about_id="Halaman depan portal: wisata yang buka sekarang dan puskesmas terdekatnya, "
        "pengaduan terbuka per kecamatan, enam dimensi smart city dengan indikator terbaru.",
        about_en="A portal's landing page: spots open now with their nearest puskesmas, open "
        "complaints by district, the six smart-city dimensions with their latest indicators.",
    ),
    PlaygroundExample(
        title="Search everything",
        query=_SEARCH,
        about_id="Satu pencarian untuk semua: salah ketik, singkatan (RS, pkm) dan dua bahasa.",
        about_en="One search over everything: typos, abbreviations (RS, pkm), both languages.",
    ),
    PlaygroundExample(
        title="Beaches of Balikpapan",
        query=_BEACHES,
        about_id="Pantai-pantai Balikpapan: jam buka, harga tiket, e-tiket dan lokasi.",
        about_en="Balikpapan's beaches: opening hours, ticket prices, e-tickets and location.",
    ),
    PlaygroundExample(
        title="Around the city centre",
        query=_NEAR_ME,
        about_id="Wisata dalam 10 km dari pusat kota, terdekat dulu, dan apa saja di sekitarnya.",
        about_en="Attractions within 10 km of the city centre, nearest first, and what is "
        "around each.",
    ),
    PlaygroundExample(
        title="Nearest care",
        query=_NEAREST_CARE,
        about_id="Puskesmas dan rumah sakit dalam 5 km, buka atau tidak (WITA), nomor darurat.",
        about_en="Puskesmas and hospitals within 5 km, open now or not (WITA), emergency numbers.",
    ),
    PlaygroundExample(
        title="Emergency departments",
        query=_EMERGENCY,
        about_id="Rumah sakit dengan IGD, dalam bahasa Inggris.",
        about_en="Hospitals with an emergency department (IGD), in English.",
    ),
    PlaygroundExample(
        title="Beaches and their puskesmas",
        query=_BEACH_AND_CARE,
        about_id="Setiap pantai dengan puskesmas terdekatnya: satu pencarian untuk seluruh daftar.",
        about_en="Each beach with its nearest puskesmas: one upstream search serves the list.",
    ),
    PlaygroundExample(
        title="The six districts",
        query=_DISTRICTS,
        about_id="Enam kecamatan: wisata, puskesmas, dan bagaimana pengaduannya ditangani.",
        about_en="The six kecamatan: their spots, puskesmas, and how their complaints fare.",
    ),
    PlaygroundExample(
        title="Public complaints",
        query=_COMPLAINTS,
        about_id="Pengaduan terbuka: apa yang dikerjakan kota, dan mana yang terlambat.",
        about_en="Open public complaints: what the city is doing, and which are overdue.",
    ),
    PlaygroundExample(
        title="File a complaint",
        query=_SUBMIT,
        variables=_SUBMIT_VARIABLES,
        about_id="Ajukan pengaduan: tercatat aman sebelum dijawab; ikuti dengan "
        'complaint(trackingId: "KH-…"). Data pelapor tidak pernah ditampilkan lagi.',
        about_en="File a complaint: it is queued durably before this answers; follow it with "
        'complaint(trackingId: "KH-…"). The reporter\'s details are never shown again.',
    ),
    PlaygroundExample(
        title="Follow a complaint / Ikuti pengaduan",
        query=_FOLLOW,
        variables=_FOLLOW_VARIABLES,
        about_id="Ikuti pengaduan secara langsung lewat WebSocket: setiap perubahan pengiriman, "
        "status, catatan, instansi atau tenggat muncul di sini. Tempel nomor KH-… dari tab "
        "sebelumnya; kunci API di tab Headers ikut terkirim.",
        about_en="Follow a complaint live over a WebSocket: each change to its delivery, "
        "status, notes, agency or expected date appears here. Paste a KH-… number from the "
        "previous tab; an API key in the Headers tab is sent along.",
    ),
    PlaygroundExample(
        title="Smart-city dimensions",
        query=_DIMENSIONS,
        about_id="Enam dimensi smart city: program, indikator dengan tren dan target, dan "
        "indikator yang dihitung langsung dari data pengaduan, wisata dan kesehatan.",
        about_en="The six smart-city dimensions: programs, indicators with trend and target, "
        "and indicators computed live from complaints, tourism and health.",
    ),
    PlaygroundExample(
        title="Any object by id",
        query=_BY_ID,
        variables='{"id": "VG91cmlzdFNwb3Q6dG91cmlzbTpwYW50YWktbWFuZ2dhci1zZWdhcmEtc2FyaQ"}',
        about_id="Objek apa pun lewat id globalnya (salin dari kolom id kueri lain).",
        about_en="Any object by its global id (copy one from another query's id field).",
    ),
)
