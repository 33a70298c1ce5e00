// Near me: the nearest open puskesmas and hospitals, and places to visit, around the citizen
// (geolocation) or a point tapped on the map.
import { gql } from "../api.js";
import { apiLang, t } from "../i18n.js";
import { card, cardList, clear, errorBox, h, heading, loading, locate, mapSlot, position, setHere, spotHref } from "../ui.js";

export function render(view) {
  const status = h("p", { class: "muted", role: "status" }, t("locateHint"));
  const button = h(
    "button",
    { type: "button", class: "button button-primary", dataset: { testid: "near-me-button" } },
    t("locate"),
  );
  const lists = h("div", { class: "results" });
  const slot = mapSlot();
  clear(
    view,
    heading(t("nearTitle")),
    h("div", { class: "toolbar" }, button, status),
    h("div", { class: "split" }, slot, lists),
  );
  let map = null;
  let stopped = false;
  let asked = 0;
  let last = null;

  async function load(here) {
    const count = ++asked;
    clear(lists, loading());
    if (map) map.setHere(here.lat, here.lon, false);
    try {
      const near = { lat: here.lat, lon: here.lon, radiusKm: 25 };
      const { data } = await gql("PortalNearby", { near, lang: apiLang() });
      if (stopped || count !== asked) return;
      show(data, here);
    } catch (error) {
      if (!stopped) clear(lists, errorBox(error, () => load(here)));
    }
  }

  function section(title, kind, edges) {
    return h(
      "section",
      { class: "group" },
      h("h2", {}, title),
      edges.length ? cardList(edges.map(({ node }) => card(kind, node))) : h("p", { class: "muted" }, t("none")),
    );
  }

  function show(data, here) {
    last = { data, here };
    clear(
      lists,
      section(t("nearestPuskesmas"), "HEALTH_FACILITY", data.puskesmas.edges),
      section(t("nearestHospitals"), "HEALTH_FACILITY", data.hospitals.edges),
      section(t("visitNearby"), "TOURIST_SPOT", data.touristSpots.edges),
    );
    if (!map) return;
    const places = [];
    for (const [kind, edges] of [
      ["HEALTH_FACILITY", data.puskesmas.edges],
      ["HEALTH_FACILITY", data.hospitals.edges],
      ["TOURIST_SPOT", data.touristSpots.edges],
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
      if (last) show(last.data, last.here);
    })
    .catch((error) => clear(slot, errorBox(error)));
  if (position.here) load(position.here);
  return () => {
    stopped = true;
    if (map) map.destroy();
  };
}
