// The map, loaded only by screens that show one: Leaflet (served by the hub), with tiles only
// when /portal/config.json names a tile server. Without tiles it still shows the places as
// points, a scale, the districts' names at the middle of their places, and fits them all.
import { config } from "./api.js";
import { t, t2 } from "./i18n.js";

const CITY = [-1.2379, 116.8529]; // Balikpapan, for a map with nothing on it yet
const COLOURS = { TOURIST_SPOT: "#0b6e4f", HEALTH_FACILITY: "#b3261e", COMPLAINT: "#8a4b00", HERE: "#1a4fa0" };
let leaflet = null;

function loadLeaflet() {
  if (!leaflet) {
    leaflet = new Promise((resolve, reject) => {
      const css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = "./vendor/leaflet/leaflet.css";
      document.head.append(css);
      const script = document.createElement("script");
      script.src = "./vendor/leaflet/leaflet.js";
      script.onload = () => resolve(window.L);
      script.onerror = () => {
        leaflet = null;
        reject(new Error("leaflet.js"));
      };
      document.head.append(script);
    });
  }
  return leaflet;
}

function label(text) {
  const el = document.createElement("span");
  el.textContent = text;
  return el;
}

/**
 * A Leaflet map in `container`. onTap(lat, lon) is called for a tap or click on the map.
 * Returns {setPlaces(places), setHere(lat, lon), destroy()}; a place is
 * {kind, name, lat, lon, district, href}.
 */
export async function createMap(container, { onTap = null } = {}) {
  const [L, settings] = await Promise.all([loadLeaflet(), config()]);
  const map = L.map(container, { zoomControl: false, attributionControl: true }).setView(CITY, 12);
  // Leaflet's own zoom buttons, in the UI language (its titles are English otherwise).
  L.control.zoom({ zoomInTitle: t("zoomIn"), zoomOutTitle: t("zoomOut") }).addTo(map);
  if (settings.tileUrl) {
    L.tileLayer(settings.tileUrl, { attribution: settings.tileAttribution || "", maxZoom: 19 }).addTo(map);
  } else {
    container.classList.add("map-plain");
    map.attributionControl.addAttribution(t("mapNoTiles"));
  }
  L.control.scale({ metric: true, imperial: false }).addTo(map);
  // District names lie under the points, so a label never hides a place.
  map.createPane("districts").style.zIndex = 350;
  const places = L.featureGroup().addTo(map);
  const districts = L.layerGroup().addTo(map);
  let here = null;
  let removed = false;
  if (onTap) {
    container.classList.add("map-tappable");
    map.on("click", (event) => onTap(event.latlng.lat, event.latlng.lng));
  }

  function fit() {
    const bounds = places.getBounds();
    if (here) bounds.extend(here.getLatLng());
    if (bounds.isValid()) map.fitBounds(bounds.pad(0.15), { maxZoom: 15, animate: false });
  }

  function setDistrictLabels(list) {
    districts.clearLayers();
    const groups = new Map();
    for (const place of list) {
      if (!place.district) continue;
      const group = groups.get(place.district) || { lat: 0, lon: 0, n: 0 };
      group.lat += place.lat;
      group.lon += place.lon;
      group.n += 1;
      groups.set(place.district, group);
    }
    for (const [name, group] of groups) {
      L.tooltip({ permanent: true, direction: "center", className: "district-label", interactive: false, pane: "districts" })
        .setLatLng([group.lat / group.n, group.lon / group.n])
        .setContent(label(name))
        .addTo(districts);
    }
  }

  return {
    map,
    setPlaces(list) {
      places.clearLayers();
      const located = list.filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lon));
      for (const place of located) {
        const marker = L.circleMarker([place.lat, place.lon], {
          radius: 8, weight: 2, color: "#fff", fillColor: COLOURS[place.kind] || "#333", fillOpacity: 0.95,
        });
        marker.bindTooltip(label(`${place.name} · ${t2("kind", place.kind)}`));
        if (place.href) marker.on("click", () => { window.location.hash = place.href; });
        marker.addTo(places);
      }
      setDistrictLabels(located);
      fit();
    },
    setHere(lat, lon, refit = true) {
      if (here) here.remove();
      here = L.circleMarker([lat, lon], { radius: 10, weight: 3, color: "#fff", fillColor: COLOURS.HERE, fillOpacity: 1 })
        .bindTooltip(label(t("location")))
        .addTo(map);
      if (refit) fit();
    },
    destroy() {
      if (removed) return;
      removed = true;
      map.stop();
      map.off();
      map.remove();
    },
  };
}
