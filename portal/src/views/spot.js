// A tourist spot: photos, hours, open now, prices, the e-ticket link, and the nearest care,
// which comes in a later part of the answer (@defer) so a slow health source never holds
// up the page.
import { errorsAt, gql } from "../api.js";
import { apiLang, formatDate, t } from "../i18n.js";
import { card, cardList, clear, eTicket, errorBox, h, heading, loading, mapSlot, openBadge, price, setTitle, sourceNotice, spotCategory } from "../ui.js";

/** A photo the hub serves is shown; one elsewhere is a link, as the page loads nothing from
 * another host (its Content-Security-Policy would refuse it anyway). */
function photo(src, label) {
  let url;
  try {
    url = new URL(src, location.href);
  } catch {
    return null;
  }
  if (url.origin === location.origin) {
    return h("img", { src: url.href, alt: label, loading: "lazy", width: 320, height: 200 });
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return null;
  return h("a", { class: "button", href: url.href, rel: "noopener noreferrer", target: "_blank" }, label);
}

export function render(view, route) {
  let stopped = false;
  let map = null;
  let shown = false;
  const care = h("section", { class: "group", "aria-busy": "true" }, h("h2", {}, t("nearestCare")), loading());
  clear(view, loading());

  function showSpot(spot) {
    const slot = mapSlot();
    const photos = spot.photos.length
      ? h(
          "div",
          { class: "photos" },
          spot.photos.slice(0, 6).map((src, i) => photo(src, t("photo", spot.name, i + 1))),
        )
      : null;
    setTitle(spot.name);
    const hadFocus = document.activeElement === document.getElementById("main");
    clear(
      view,
      h("p", {}, h("a", { href: "#/cari?q=wisata", onclick: back }, `← ${t("back")}`)),
      heading(spot.name),
      h("p", { class: "card-meta" }, [spot.district, spotCategory(spot.category), spot.address].filter(Boolean).join(" · ")),
      photos,
      h("div", { class: "card-actions" }, openBadge(spot.isOpenNow), eTicket(spot.eTicketUrl)),
      spot.description ? h("p", { class: "lead" }, spot.description) : null,
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, t("hours")),
        h("dd", {}, spot.openingHours || t("hoursUnknown")),
        h("dt", {}, t("tickets")),
        h("dd", {}, price(spot.ticketPrice) || "–"),
        h("dt", {}, t("source")),
        h("dd", {}, `${spot.meta.source} · ${formatDate(spot.meta.fetchedAt)}`),
      ),
      h("div", { class: "split" }, slot, care),
    );
    // Arrived here by a link: focus moves to the spot's name, as on every other screen.
    if (hadFocus) view.querySelector("h1").focus();
    if (!spot.location) {
      slot.hidden = true;
      return;
    }
    import("../map.js")
      .then(({ createMap }) => createMap(slot))
      .then((created) => {
        if (stopped) return created.destroy();
        map = created;
        placeOnMap(spot);
      })
      .catch((error) => clear(slot, errorBox(error)));
  }

  function placeOnMap(spot) {
    if (!map) return;
    const places = [{ kind: "TOURIST_SPOT", name: spot.name, district: spot.district, lat: spot.location.lat, lon: spot.location.lon }];
    for (const facility of spot.nearbyHealthFacilities || []) {
      if (facility.location) {
        places.push({ kind: "HEALTH_FACILITY", name: facility.name, lat: facility.location.lat, lon: facility.location.lon });
      }
    }
    map.setPlaces(places);
  }

  /** The nearest care once its part came: the list, "none" only when the health source
   * answered, else the notice with a retry. */
  function showCare(spot, errors, final) {
    const list = spot.nearbyHealthFacilities;
    const failed = errorsAt(errors, "touristSpot", "nearbyHealthFacilities");
    if (list === undefined && !final) return; // still to come
    care.removeAttribute("aria-busy");
    const items = list || [];
    let empty = null;
    if (failed.length || (!list && final)) empty = sourceNotice(failed, retryCare);
    else if (!items.length) empty = h("p", { class: "muted" }, t("none"));
    clear(
      care,
      h("h2", {}, t("nearestCare")),
      items.length ? cardList(items.map((facility) => card("HEALTH_FACILITY", facility))) : null,
      empty,
    );
    placeOnMap(spot);
  }

  function onPart(result, hasNext) {
    if (stopped || !result.data) return;
    const spot = result.data.touristSpot;
    if (!spot) {
      const failed = errorsAt(result.errors, "touristSpot");
      setTitle(failed.length ? t("spotTitle") : t("notFoundPage"));
      // Not found only when the tourism source answered; otherwise say it did not.
      clear(view, failed.length ? [heading(t("spotTitle")), sourceNotice(failed, again)] : heading(t("notFoundPage")));
      return;
    }
    if (!shown) {
      shown = true;
      showSpot(spot);
    }
    showCare(spot, result.errors, !hasNext);
  }

  function fetchSpot(handler) {
    return gql("PortalSpot", { id: route.arg, lang: apiLang() }, { onPart: handler });
  }

  function again() {
    shown = false;
    clear(view, loading());
    load();
  }

  function retryCare() {
    care.setAttribute("aria-busy", "true");
    clear(care, h("h2", {}, t("nearestCare")), loading());
    fetchSpot((result, hasNext) => {
      const spot = !stopped && result.data && result.data.touristSpot;
      if (spot) showCare(spot, result.errors, !hasNext);
    }).catch((error) => {
      if (!stopped) clear(care, h("h2", {}, t("nearestCare")), errorBox(error, retryCare));
    });
  }

  function load() {
    fetchSpot(onPart).catch((error) => {
      if (stopped) return;
      if (!shown) clear(view, heading(t("spotTitle")), errorBox(error, again));
      else clear(care, h("h2", {}, t("nearestCare")), errorBox(error, retryCare));
    });
  }
  load();
  return () => {
    stopped = true;
    if (map) map.destroy();
  };
}

function back(event) {
  if (window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
}
