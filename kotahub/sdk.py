"""The partner SDK: everything an adapter may use of KotaHub, and nothing else.

A partner's adapter imports only this module. What ``__all__`` lists keeps its name and
meaning across releases; anything else in ``kotahub`` may move without notice.
"""

from __future__ import annotations

from kotahub.contract import (
    Adapter,
    AdapterFactory,
    ComplaintQuery,
    ComplaintsAdapter,
    ComplaintsById,
    ComplaintsLookup,
    DimensionsAdapter,
    Domain,
    HealthAdapter,
    NoOptions,
    Receipt,
    TourismAdapter,
    UncertainPost,
)
from kotahub.errors import (
    ConfigError,
    KotaHubError,
    SourceError,
    SourceHTTPError,
    SourcePayloadError,
    SourceUnavailable,
)
from kotahub.records import (
    AttributeValue,
    CategoryAttribute,
    ComplaintCategoryRecord,
    ComplaintRecord,
    ComplaintStatus,
    ComplaintSubmission,
    Contact,
    DimensionCode,
    FacilityType,
    GeoPoint,
    HealthFacilityRecord,
    HealthServiceRecord,
    IndicatorPoint,
    IndicatorRecord,
    Lang,
    LocalizedText,
    Near,
    ProgramRecord,
    Provenance,
    TicketPrice,
    TouristSpotRecord,
)
from kotahub.upstream.client import Fetched, SourceSession
from kotahub.upstream.skips import Skip, UnusableRecord
from kotahub.upstream.source_settings import SourceSettings
from kotahub.upstream.urls import ParamValue

__all__ = [
    "Adapter",
    "AdapterFactory",
    "AttributeValue",
    "CategoryAttribute",
    "ComplaintCategoryRecord",
    "ComplaintQuery",
    "ComplaintRecord",
    "ComplaintStatus",
    "ComplaintSubmission",
    "ComplaintsAdapter",
    "ComplaintsById",
    "ComplaintsLookup",
    "ConfigError",
    "Contact",
    "DimensionCode",
    "DimensionsAdapter",
    "Domain",
    "FacilityType",
    "Fetched",
    "GeoPoint",
    "HealthAdapter",
    "HealthFacilityRecord",
    "HealthServiceRecord",
    "IndicatorPoint",
    "IndicatorRecord",
    "KotaHubError",
    "Lang",
    "LocalizedText",
    "Near",
    "NoOptions",
    "ParamValue",
    "ProgramRecord",
    "Provenance",
    "Receipt",
    "Skip",
    "SourceError",
    "SourceHTTPError",
    "SourcePayloadError",
    "SourceSession",
    "SourceSettings",
    "SourceUnavailable",
    "TicketPrice",
    "TourismAdapter",
    "TouristSpotRecord",
    "UncertainPost",
    "UnusableRecord",
]
