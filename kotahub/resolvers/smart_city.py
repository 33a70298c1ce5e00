"""Balikpapan's six smart-city dimensions, named and described in Indonesian and English."""

from __future__ import annotations

from dataclasses import dataclass

from kotahub.records import DimensionCode, LocalizedText


@dataclass(frozen=True, slots=True)
class DimensionInfo:
    code: DimensionCode
    name: LocalizedText
    description: LocalizedText


DIMENSIONS: tuple[DimensionInfo, ...] = (
    DimensionInfo(
        "governance",
        LocalizedText("Smart Governance", "Smart Governance"),
        LocalizedText(
            "Pemerintahan yang terbuka dan melayani: informasi satu pintu, pengaduan yang "
            "ditindaklanjuti, layanan publik digital.",
            "Open, responsive government: one-stop information, complaints that are acted on, "
            "digital public services.",
        ),
    ),
    DimensionInfo(
        "branding",
        LocalizedText("Smart Branding", "Smart Branding"),
        LocalizedText(
            "Citra dan daya tarik kota: pariwisata, e-tiket destinasi, identitas Kota Beriman.",
            "The city's image and appeal: tourism, destination e-ticketing, the Kota Beriman "
            "identity.",
        ),
    ),
    DimensionInfo(
        "economy",
        LocalizedText("Smart Economy", "Smart Economy"),
        LocalizedText(
            "Ekonomi yang tumbuh dan inklusif: UMKM digital, transaksi nontunai, investasi.",
            "A growing, inclusive economy: digital small businesses, cashless payments, "
            "investment.",
        ),
    ),
    DimensionInfo(
        "living",
        LocalizedText("Smart Living", "Smart Living"),
        LocalizedText(
            "Kota yang layak huni: kesehatan, transportasi, keamanan dan perumahan.",
            "A liveable city: health care, transport, safety and housing.",
        ),
    ),
    DimensionInfo(
        "society",
        LocalizedText("Smart Society", "Smart Society"),
        LocalizedText(
            "Masyarakat yang cakap dan terhubung: pendidikan, literasi digital, partisipasi.",
            "A skilled, connected society: education, digital literacy, participation.",
        ),
    ),
    DimensionInfo(
        "environment",
        LocalizedText("Smart Environment", "Smart Environment"),
        LocalizedText(
            "Lingkungan yang lestari: pengelolaan sampah, mangrove, ruang terbuka hijau, energi.",
            "A sustainable environment: waste management, mangroves, green space, energy.",
        ),
    ),
)


KECAMATAN: tuple[str, ...] = (
    "Balikpapan Barat",
    "Balikpapan Kota",
    "Balikpapan Selatan",
    "Balikpapan Tengah",
    "Balikpapan Timur",
    "Balikpapan Utara",
)
