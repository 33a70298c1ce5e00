// Words of the interface, Bahasa Indonesia first; English one tap away (kept in localStorage).
const KEY = "klik-balikpapan.lang";

const WORDS = {
  id: {
    skip: "Langsung ke isi",
    tagline: "Satu klik untuk semua informasi kota",
    navHome: "Beranda", navNear: "Dekat saya", navReport: "Lapor", navComplaints: "Pengaduan",
    navDimensions: "Smart city", navTrack: "Lacak",
    langToggle: "English", langToggleLabel: "Switch to English",
    searchLabel: "Cari apa saja di Balikpapan",
    searchPlaceholder: "pantai, RS, apotik buka, sampah…",
    searchButton: "Cari",
    searchHint: "Wisata, layanan kesehatan, pengaduan, program dan indikator kota — dalam satu pencarian.",
    emergency: "Darurat", emergencyMore: "Nomor darurat lainnya", call: "Telepon",
    loading: "Memuat…", error: "Gagal memuat", retry: "Coba lagi",
    results: (n) => `${n} hasil`, noResults: "Tidak ada hasil. Coba kata lain.", more: "Muat lebih banyak",
    openNow: "Buka sekarang", closedNow: "Tutup sekarang", hoursUnknown: "Jam buka tidak diketahui",
    km: (d) => `${d < 1 ? Math.round(d * 1000) + " m" : d.toFixed(1).replace(".", ",") + " km"}`,
    eticket: "Beli e-tiket", free: "Gratis", adult: "Dewasa", child: "Anak",
    kind: { TOURIST_SPOT: "Wisata", HEALTH_FACILITY: "Kesehatan", COMPLAINT: "Pengaduan", PROGRAM: "Program", INDICATOR: "Indikator" },
    facility: { HOSPITAL: "Rumah sakit", PUSKESMAS: "Puskesmas", CLINIC: "Klinik", PHARMACY: "Apotek", LABORATORY: "Laboratorium", OTHER: "Lainnya" },
    status: { OPEN: "Dalam proses", CLOSED: "Selesai" },
    delivery: { QUEUED: "Dalam antrean", SUBMITTED: "Diteruskan ke kota", REJECTED: "Ditolak" },
    overdue: "Terlambat", onTime: "Tepat waktu", emergencyCare: "IGD 24 jam",
    quick: "Akses cepat", quickNear: "Layanan kesehatan terdekat", quickReport: "Lapor masalah kota",
    quickTrack: "Lacak pengaduan", quickDimensions: "Enam dimensi smart city", quickComplaints: "Pengaduan per kecamatan",
    nearTitle: "Di dekat saya", locate: "Gunakan lokasi saya", locating: "Mencari lokasi…",
    locateHint: "Atau ketuk peta untuk memilih titik.", locateFailed: "Lokasi tidak tersedia; ketuk peta untuk memilih titik.",
    nearestPuskesmas: "Puskesmas terdekat yang buka", nearestHospitals: "Rumah sakit terdekat", visitNearby: "Wisata di sekitar",
    none: "Tidak ada.", map: "Peta", mapNoTiles: "Peta tanpa latar: titik, skala dan kecamatan.",
    spotTitle: "Wisata", hours: "Jam buka", tickets: "Harga tiket", nearestCare: "Layanan kesehatan terdekat",
    photo: (name, i) => `Foto ${name} ${i}`, source: "Sumber", back: "Kembali",
    reportTitle: "Lapor (Si Tanggap)", category: "Kategori", chooseCategory: "Pilih kategori…",
    description: "Uraian masalah", location: "Lokasi", locationHint: "Ketuk peta untuk menandai lokasi, atau gunakan lokasi Anda.",
    useMyLocation: "Gunakan lokasi saya", address: "Alamat (bila tanpa titik di peta)", photoUrl: "URL foto (opsional)",
    contact: "Kontak (opsional, tidak pernah ditampilkan)", firstName: "Nama depan", lastName: "Nama belakang",
    email: "E-mail", phone: "Telepon", submit: "Kirim laporan", submitting: "Mengirim…",
    required: "wajib", choose: "Pilih…", lat: "Lintang", lon: "Bujur",
    submitted: "Laporan diterima. Simpan nomor lacak Anda:", trackIt: "Lacak laporan ini",
    fixErrors: "Periksa isian berikut:", noLocation: "Tandai lokasi di peta atau isi alamat.",
    trackTitle: "Lacak pengaduan", trackingId: "Nomor lacak", trackButton: "Lacak",
    live: "Diperbarui langsung", reconnecting: "Menyambung ulang…", notFound: "Pengaduan tidak ditemukan.",
    agency: "Instansi", notes: "Catatan", requested: "Dilaporkan", expected: "Target selesai", updated: "Diperbarui",
    delivered: "Pengiriman", rejected: "Alasan penolakan",
    complaintsTitle: "Pengaduan warga", district: "Kecamatan", allDistricts: "Semua kecamatan",
    statusFilter: "Status", all: "Semua", open: "Terbuka", overdueCount: "terlambat", totalCount: "total",
    onTimeRate: "tepat waktu",
    dimensionsTitle: "Enam dimensi smart city", programs: "Program", liveIndicators: "Indikator langsung",
    target: "Target", latest: "Terakhir", meets: "Memenuhi target", notMeets: "Belum memenuhi target",
    method: "Cara menghitung", computedFrom: "Dihitung dari", chartLabel: (name) => `Grafik ${name} terhadap target`,
    notFoundPage: "Halaman tidak ditemukan.",
    sourceDown: "Sumber data ini tidak menjawab saat ini. Coba lagi sebentar lagi.",
    networkError: "Tidak dapat terhubung ke server. Periksa koneksi Anda lalu coba lagi.",
    httpError: (n) => `Server menjawab dengan galat (HTTP ${n}). Coba lagi sebentar lagi.`,
    applyFilters: "Terapkan",
    pickPoint: "Atau masukkan titik", showPoint: "Tampilkan sekitar titik ini",
    badPoint: "Isi lintang dan bujur yang benar.",
    reconnectingIn: (s) => `Koneksi terputus; menyambung ulang dalam ${s} detik…`,
    zoomIn: "Perbesar", zoomOut: "Perkecil",
    spotCategory: {
      beach: "Pantai", nature: "Alam", wildlife: "Satwa", religious: "Religi", heritage: "Sejarah",
      park: "Taman", recreation: "Rekreasi", landmark: "Ikon kota", culinary: "Kuliner",
      shopping: "Belanja", museum: "Museum",
    },
    fieldProblem: {
      category: "Kategori tidak dikenal.", description: "Uraikan masalahnya.",
      location: "Tandai lokasi di peta atau isi alamat.", mediaUrl: "Harus berupa URL http:// atau https://.",
      "reporter.email": "Alamat e-mail tidak valid.", "reporter.phone": "Nomor telepon tidak valid.",
    },
    checkField: "Periksa isian ini.", serverSaid: "Pesan server",
    attributes: "Pertanyaan kategori", input: "Laporan",
    titleSearch: (q) => `Cari: ${q}`,
  },
  en: {
    skip: "Skip to content",
    tagline: "One click to all the city's information",
    navHome: "Home", navNear: "Near me", navReport: "Report", navComplaints: "Complaints",
    navDimensions: "Smart city", navTrack: "Track",
    langToggle: "Bahasa Indonesia", langToggleLabel: "Ganti ke Bahasa Indonesia",
    searchLabel: "Search anything in Balikpapan",
    searchPlaceholder: "beach, hospital, pharmacy open, garbage…",
    searchButton: "Search",
    searchHint: "Tourism, health care, complaints, city programs and indicators — in one search.",
    emergency: "Emergency", emergencyMore: "More emergency numbers", call: "Call",
    loading: "Loading…", error: "Could not load", retry: "Try again",
    results: (n) => `${n} result${n === 1 ? "" : "s"}`, noResults: "Nothing found. Try other words.", more: "Load more",
    openNow: "Open now", closedNow: "Closed now", hoursUnknown: "Opening hours unknown",
    km: (d) => `${d < 1 ? Math.round(d * 1000) + " m" : d.toFixed(1) + " km"}`,
    eticket: "Buy e-ticket", free: "Free", adult: "Adult", child: "Child",
    kind: { TOURIST_SPOT: "Tourism", HEALTH_FACILITY: "Health", COMPLAINT: "Complaint", PROGRAM: "Program", INDICATOR: "Indicator" },
    facility: { HOSPITAL: "Hospital", PUSKESMAS: "Puskesmas", CLINIC: "Clinic", PHARMACY: "Pharmacy", LABORATORY: "Laboratory", OTHER: "Other" },
    status: { OPEN: "In progress", CLOSED: "Closed" },
    delivery: { QUEUED: "Queued", SUBMITTED: "Passed to the city", REJECTED: "Rejected" },
    overdue: "Overdue", onTime: "On time", emergencyCare: "24h emergency",
    quick: "Quick access", quickNear: "Nearest health care", quickReport: "Report a city problem",
    quickTrack: "Track a complaint", quickDimensions: "Six smart-city dimensions", quickComplaints: "Complaints by district",
    nearTitle: "Near me", locate: "Use my location", locating: "Finding your location…",
    locateHint: "Or tap the map to pick a point.", locateFailed: "Location unavailable; tap the map to pick a point.",
    nearestPuskesmas: "Nearest open puskesmas", nearestHospitals: "Nearest hospitals", visitNearby: "Places to visit nearby",
    none: "None.", map: "Map", mapNoTiles: "Map without a background: points, scale and districts.",
    spotTitle: "Tourism", hours: "Opening hours", tickets: "Ticket prices", nearestCare: "Nearest health care",
    photo: (name, i) => `Photo of ${name} ${i}`, source: "Source", back: "Back",
    reportTitle: "Report (Si Tanggap)", category: "Category", chooseCategory: "Choose a category…",
    description: "What is wrong", location: "Location", locationHint: "Tap the map to mark the spot, or use your location.",
    useMyLocation: "Use my location", address: "Address (without a point on the map)", photoUrl: "Photo URL (optional)",
    contact: "Contact (optional, never shown)", firstName: "First name", lastName: "Last name",
    email: "E-mail", phone: "Phone", submit: "Send report", submitting: "Sending…",
    required: "required", choose: "Choose…", lat: "Latitude", lon: "Longitude",
    submitted: "Report received. Keep your tracking id:", trackIt: "Track this report",
    fixErrors: "Please check:", noLocation: "Mark the spot on the map or give an address.",
    trackTitle: "Track a complaint", trackingId: "Tracking id", trackButton: "Track",
    live: "Updated live", reconnecting: "Reconnecting…", notFound: "Complaint not found.",
    agency: "Agency", notes: "Notes", requested: "Reported", expected: "Expected by", updated: "Updated",
    delivered: "Delivery", rejected: "Reason for rejection",
    complaintsTitle: "Citizens' complaints", district: "District", allDistricts: "All districts",
    statusFilter: "Status", all: "All", open: "Open", overdueCount: "overdue", totalCount: "total",
    onTimeRate: "on time",
    dimensionsTitle: "Six smart-city dimensions", programs: "Programs", liveIndicators: "Live indicators",
    target: "Target", latest: "Latest", meets: "Meets its target", notMeets: "Below its target",
    method: "How it is computed", computedFrom: "Computed from", chartLabel: (name) => `Chart of ${name} against its target`,
    notFoundPage: "Page not found.",
    sourceDown: "This source did not answer just now. Please try again shortly.",
    networkError: "Could not reach the server. Check your connection and try again.",
    httpError: (n) => `The server answered with an error (HTTP ${n}). Please try again shortly.`,
    applyFilters: "Apply",
    pickPoint: "Or enter a point", showPoint: "Show what is near this point",
    badPoint: "Enter a valid latitude and longitude.",
    reconnectingIn: (s) => `Connection lost; reconnecting in ${s} s…`,
    zoomIn: "Zoom in", zoomOut: "Zoom out",
    spotCategory: {
      beach: "Beach", nature: "Nature", wildlife: "Wildlife", religious: "Religious", heritage: "Heritage",
      park: "Park", recreation: "Recreation", landmark: "Landmark", culinary: "Food",
      shopping: "Shopping", museum: "Museum",
    },
    fieldProblem: {
      category: "Unknown category.", description: "Describe the problem.",
      location: "Mark the spot on the map or give an address.", mediaUrl: "Must be an http:// or https:// URL.",
      "reporter.email": "Not a valid e-mail address.", "reporter.phone": "Not a valid phone number.",
    },
    checkField: "Please check this field.", serverSaid: "Server message",
    attributes: "Category question", input: "Report",
    titleSearch: (q) => `Search: ${q}`,
  },
};

function stored() {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

let current = stored() === "en" ? "en" : stored() === "id" ? "id" : null;

/** The UI language: stored choice, else the hub's default (config), else Indonesian. */
export function lang() {
  return current || "id";
}

export function setDefaultLang(code) {
  if (!current && (code === "en" || code === "id")) current = code;
}

export function setLang(code) {
  current = code === "en" ? "en" : "id";
  try {
    localStorage.setItem(KEY, current);
  } catch {
    /* private mode: the choice lasts this visit */
  }
}

/** The schema's Lang enum value for the UI language. */
export function apiLang() {
  return lang() === "en" ? "EN" : "ID";
}

export function t(key, ...args) {
  const word = WORDS[lang()][key] ?? WORDS.id[key] ?? key;
  return typeof word === "function" ? word(...args) : word;
}

/** A nested word such as t2("kind", "COMPLAINT"), falling back to the key itself. */
export function t2(group, key) {
  return (WORDS[lang()][group] || {})[key] || key;
}

/** Dates and numbers in the UI language, in the city's time zone (WITA). */
export function formatDate(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(lang() === "en" ? "en-GB" : "id-ID", {
    dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Makassar",
  });
}

/** A period as the API gives it: a year or quarter as it is, a timestamp as a date. */
export function formatPeriod(period) {
  return typeof period === "string" && /^\d{4}-\d{2}-\d{2}T/.test(period) ? formatDate(period) : period;
}

export function formatNumber(value, digits = 1) {
  if (value === null || value === undefined) return "–";
  return value.toLocaleString(lang() === "en" ? "en-GB" : "id-ID", { maximumFractionDigits: digits });
}

/** Category descriptions come as "Indonesian / English": the half for the UI language. */
export function bilingual(text) {
  if (!text || !text.includes(" / ")) return text || "";
  const [id, en] = text.split(" / ", 2);
  return lang() === "en" ? en : id;
}
