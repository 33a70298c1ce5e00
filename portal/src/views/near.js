// Near me: the nearest open puskesmas and hospitals, and places to visit, around the citizen
// (geolocation) or a point tapped on the map.
import { errorsAt, gql } from "../api.js";
import { apiLang, t } from "../i18n.js";
import { card, cardList, clear, errorBox, h, heading, loading, locate, mapSlot, position, setHere, sourceNotice, spotHref } from "../ui.js";

export function render(view) {
  const status = h("p", { class: "muted", role: "status" }, t("locateHint"));
  const button = h(
    "button",
    { type: "button", class: "button button-primary", dataset: { testid: "near-me-button" } },
    t("locate"),
  );
  const lists = h("div", { class: "results" });
  const slot = mapSlot();
  // A point typed in: the keyboard's way to what a tap on the map does.
  const latInput = h("input", { type: "number", step: "any", inputmode: "decimal", id: "near-lat", min: -90, max: 90, dataset: { testid: "near-lat" } });
  const lonInput = h("input", { type: "number", step: "any", inputmode: "decimal", id: "near-lon", min: -180, max: 180, dataset: { testid: "near-lon" } });
  const pointStatus = h("p", { class: "field-error", role: "alert" });
  const pointForm = h(
    "form",
    { class: "point-form", "aria-labelledby": "near-point-title", novalidate: true },
    h("p", { id: "near-point-title", class: "muted" }, t("pickPoint")),
    h("div", { class: "field" }, h("label", { for: "near-lat" }, t("lat")), latInput),
    h("div", { class: "field" }, h("label", { for: "near-lon" }, t("lon")), lonInput),
    h("button", { type: "submit", class: "button", dataset: { testid: "near-point-submit" } }, t("showPoint")),
    pointStatus,
  );
  clear(
    view,
    heading(t("nearTitle")),
    h("div", { class: "toolbar" }, button, status),
    pointForm,
    h("div", { class: "split" }, slot, lists),
  );
  let map = null;
  let stopped = false;
  let asked = 0;
  let last = null;

  async function load(here) {
    const count = ++asked;
    latInput.value = here.lat.toFixed(5);
    lonInput.value = here.lon.toFixed(5);
    clear(lists, loading());
    if (map) map.setHere(here.lat, here.lon, false);
    try {
      const near = { lat: here.lat, lon: here.lon, radiusKm: 25 };
      const { data, errors } = await gql("PortalNearby", { near, lang: apiLang() });
      if (stopped || count !== asked) return;
      show(data, here, errors);
    } catch (error) {
      if (!stopped) clear(lists, errorBox(error, () => load(here)));
    }
  }

  const edgesOf = (connection) => (connection && connection.edges) || [];

  /** One list; "none" only when its source answered, else the notice and a retry. */
  function section(title, kind, field, data, errors, here) {
    const edges = edgesOf(data[field]);
    const failed = errorsAt(errors, field);
    return h(
      "section",
      { class: "group", dataset: { section: field } },
      h("h2", {}, title),
      failed.length ? sourceNotice(failed, () => load(here)) : null,
      edges.length ? cardList(edges.map(({ node }) => card(kind, node))) : failed.length ? null : h("p", { class: "muted" }, t("none")),
    );
  }

  function show(data, here, errors) {
    last = { data, here, errors };
    clear(
      lists,
      section(t("nearestPuskesmas"), "HEALTH_FACILITY", "puskesmas", data, errors, here),
      section(t("nearestHospitals"), "HEALTH_FACILITY", "hospitals", data, errors, here),
      section(t("visitNearby"), "TOURIST_SPOT", "touristSpots", data, errors, here),
    );
    if (!map) return;
    const places = [];
    for (const [kind, edges] of [
      ["HEALTH_FACILITY", edgesOf(data.puskesmas)],
      ["HEALTH_FACILITY", edgesOf(data.hospitals)],
      ["TOURIST_SPOT", edgesOf(data.touristSpots)],
    ]) {
      for (const { node } of edges) {
        if (!node.location) continue;
        places.push({
          kind, name: node.name, district: node.district, lat: node.location.lat, lon: node.location.lon,
          href: kind === "TOURIST_SPOT" ? spotHref(node.id) : null,
        });
      }
    }
    map.setPlaces(places);
    map.setHere(here.lat, here.lon);
  }

  function useLocation() {
    status.textContent = t("locating");
    locate()
      .then((here) => {
        if (stopped) return;
        status.textContent = t("locateHint");
        load(here);
      })
      .catch(() => {
        if (!stopped) status.textContent = t("locateFailed");
      });
  }

  button.addEventListener("click", useLocation);
  pointForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const lat = parseFloat(latInput.value);
    const lon = parseFloat(lonInput.value);
    const valid = Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
    for (const input of [latInput, lonInput]) {
      if (valid) input.removeAttribute("aria-invalid");
      else input.setAttribute("aria-invalid", "true");
    }
    pointStatus.textContent = valid ? "" : t("badPoint");
    if (!valid) return;
    setHere(lat, lon);
    load(position.here);
  });
  import("../map.js")
    .then(({ createMap }) =>
      createMap(slot, {
        onTap: (lat, lon) => {
          setHere(lat, lon);
          load(position.here);
        },
      }),
    )
    .then((created) => {
      if (stopped) {
        created.destroy();
        return;
      }
      map = created;
      if (last) show(last.data, last.here, last.errors);
    })
    .catch((error) => clear(slot, errorBox(error)));
  if (position.here) load(position.here);
  return () => {
    stopped = true;
    if (map) map.destroy();
  };
}
