"""Indonesia's emergency numbers, the default for the ``emergency_contacts`` setting."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class EmergencyContactSettings(BaseModel):
    """One number to call, named and described in Indonesian and English."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service: str = Field(pattern=r"^[a-z][a-z0-9-]{0,40}$")
    number: str = Field(pattern=r"^\+?[0-9][0-9 -]{1,30}$")
    name_id: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    description_id: str | None = None
    description_en: str | None = None


def _contact(
    service: str, number: str, names: tuple[str, str], texts: tuple[str, str]
) -> EmergencyContactSettings:
    return EmergencyContactSettings(
        service=service,
        number=number,
        name_id=names[0],
        name_en=names[1],
        description_id=texts[0],
        description_en=texts[1],
    )


DEFAULT_EMERGENCY_CONTACTS = (
    _contact(
        "general",
        "112",
        ("Layanan darurat 112", "Emergency line 112"),
        (
            "Nomor darurat terpadu: polisi, ambulans, pemadam kebakaran, SAR; gratis, 24 jam.",
            "Single emergency number for police, ambulance, fire and rescue; free, 24 hours.",
        ),
    ),
    _contact(
        "ambulance",
        "119",
        (
            "Ambulans dan gawat darurat medis (PSC 119)",
            "Ambulance and medical emergencies (PSC 119)",
        ),
        ("Layanan kegawatdaruratan medis terpadu.", "Integrated medical emergency service."),
    ),
    _contact(
        "police",
        "110",
        ("Polisi", "Police"),
        (
            "Kejahatan, kecelakaan lalu lintas dan gangguan keamanan.",
            "Crime, traffic accidents and threats to safety.",
        ),
    ),
    _contact(
        "fire",
        "113",
        ("Pemadam kebakaran", "Fire brigade"),
        ("Kebakaran dan penyelamatan.", "Fires and rescue."),
    ),
    _contact(
        "search-and-rescue",
        "115",
        ("Basarnas (pencarian dan pertolongan)", "Basarnas (search and rescue)"),
        (
            "Kecelakaan di laut, sungai dan hutan, dan orang hilang.",
            "Accidents at sea, on rivers and in forests, and missing people.",
        ),
    ),
)
