// Klik Balikpapan: hash routes over one index.html. The search box and the emergency numbers
// are in the HTML, so they work before any upstream answers; each other screen is a module
// loaded when first shown, and the map code only with a screen that shows a map.
import { config, errorsAt, gql } from "./api.js";
import { apiLang, lang, setDefaultLang, setLang, t } from "./i18n.js";
import { card, cardList, clear, errorBox, focusCard, h, heading, loading, mapSlot, position, setTitle, sourceNotice } from "./ui.js";

const view = document.getElementById("view");
const homeTemplate = view.firstElementChild.cloneNode(true);
const searchInput = document.getElementById("q");
// Each screen's title (document.title), by route; a spot's page sets its own once loaded.
const TITLES = { dekat: "nearTitle", wisata: "spotTitle", lapor: "reportTitle", lacak: "trackTitle", pengaduan: "complaintsTitle", dimensi: "dimensionsTitle" };
const VIEWS = {
  dekat: () => import("./views/near.js"),
  wisata: () => import("./views/spot.js"),
  lapor: () => import("./views/report.js"),
  lacak: () => import("./views/track.js"),
  pengaduan: () => import("./views/complaints.js"),
  dimensi: () => import("./views/dimensions.js"),
};
let cleanup = null;
let renderCount = 0;

/** The route in the hash: #/cari?q=pantai → {name: "cari", arg: undefined, query};
 * {bad: true} when the hash cannot be decoded (#/wisata/%E0%A4%A). */
function parseRoute() {
  const hash = window.location.hash || "#/";
  const [path, search] = hash.slice(2).split("?");
  const [name, ...rest] = path.split("/");
  let arg;
  let query;
  try {
    arg = rest.length ? decodeURIComponent(rest.join("/")) : undefined;
    query = new URLSearchParams(search || "");
  } catch {
    return { name: name || "", arg: undefined, query: new URLSearchParams(), bad: true };
  }
  return { name: name || "", arg, query, bad: false };
}

function notFound() {
  setTitle(t("notFoundPage"));
  clear(view, heading(t("notFoundPage")), h("p", {}, h("a", { href: "#/" }, t("navHome"))));
}

/** The emergency bar: the page keeps room for it however tall it is (its list open, long
 * words, a narrow screen), and its list closes when the screen changes. */
function watchEmergencyBar() {
  const bar = document.querySelector(".sos");
  const fit = () => document.documentElement.style.setProperty("--sos-height", `${Math.ceil(bar.getBoundingClientRect().height)}px`);
  if (window.ResizeObserver) new ResizeObserver(fit).observe(bar);
  fit();
  bar.addEventListener("keydown", (event) => {
    const more = bar.querySelector(".sos-more");
    if (event.key === "Escape" && more.open) {
      more.open = false;
      more.querySelector("summary").focus();
    }
  });
}

function translateStatic() {
  document.documentElement.lang = lang();
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of document.querySelectorAll("[data-i18n-aria]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nAria));
  }
  const toggle = document.getElementById("lang-toggle");
  toggle.lang = lang() === "en" ? "id" : "en";
}

function markCurrentNav(name) {
  for (const link of document.querySelectorAll(".nav a")) {
    const target = link.getAttribute("href").slice(2);
    if (target === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

async function render(focus, reason = "route") {
  const route = parseRoute();
  const count = ++renderCount;
  if (cleanup) {
    cleanup(reason);
    cleanup = null;
  }
  document.querySelector(".sos-more").open = false;
  markCurrentNav(route.name);
  searchInput.value = route.name === "cari" ? route.query.get("q") || "" : "";
  let done = null;
  if (route.bad || (route.name === "wisata" && !(route.arg || "").trim())) {
    notFound();
  } else if (route.name === "") {
    setTitle(null);
    clear(view, homeTemplate.cloneNode(true));
    for (const el of view.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  } else if (route.name === "cari") {
    setTitle(t("titleSearch", route.query.get("q") || ""));
    done = renderSearch(route.query.get("q") || "");
  } else if (VIEWS[route.name]) {
    setTitle(t(TITLES[route.name]));
    clear(view, loading());
    try {
      const module = await VIEWS[route.name]();
      if (count !== renderCount) return;
      done = module.render(view, route);
    } catch (error) {
      clear(view, errorBox(error, () => render(true)));
    }
  } else {
    notFound();
  }
  cleanup = typeof done === "function" ? done : null;
  if (focus) {
    const title = view.querySelector("h1");
    (title || document.getElementById("main")).focus({ preventScroll: false });
  }
}

/** Search results: one list over every kind, with a map of the places among them. */
function renderSearch(text) {
  const list = h("div", { class: "results" }, loading());
  const slot = mapSlot();
  clear(view, heading(`${t("searchButton")}: ${text}`), h("div", { class: "split" }, slot, list));
  slot.hidden = true;
  let map = null;
  let stopped = false;
  let edges = [];
  const near = position.here ? { ...position.here, radiusKm: 30 } : null;

  async function page(after) {
    try {
      const { data, errors } = await gql("PortalSearch", { text, near, first: 20, after, lang: apiLang() });
      if (stopped) return;
      if (!after) edges = []; // a retry of the first page starts again
      const before = edges.length;
      edges = edges.concat(data.search ? data.search.edges : []);
      show(data.search, errorsAt(errors, "search"), after);
      if (after) focusCard(list, before);
    } catch (error) {
      if (!stopped) clear(list, errorBox(error, () => page(after)));
    }
  }

  function show(search, failed, after) {
    const cards = edges.map(({ node }) => card(node.kind, node.item, { distanceKm: node.distanceKm, title: node.title, level: 2 }));
    const total = search ? search.totalCount : edges.length;
    clear(
      list,
      // A source that did not answer: its results are missing, so never "no results".
      failed.length ? sourceNotice(failed, () => page(after)) : null,
      total || failed.length
        ? h("p", { class: "muted", role: "status" }, t("results", total))
        : h("p", { class: "muted", role: "status" }, t("noResults")),
      cards.length ? cardList(cards) : null,
      search && search.pageInfo.hasNextPage
        ? h("button", { type: "button", class: "button", onclick: () => page(search.pageInfo.endCursor) }, t("more"))
        : null,
    );
    showMap();
  }

  async function showMap() {
    const places = edges
      .filter(({ node }) => node.item.location)
      .map(({ node }) => ({
        kind: node.kind, name: node.title, district: node.item.district,
        lat: node.item.location.lat, lon: node.item.location.lon,
        href: node.kind === "TOURIST_SPOT" ? `#/wisata/${encodeURIComponent(node.item.id)}` : null,
      }));
    if (!places.length) return;
    slot.hidden = false;
    if (!map) {
      const { createMap } = await import("./map.js");
      if (stopped) return;
      map = await createMap(slot);
    }
    if (stopped) return;
    map.setPlaces(places);
    if (position.here) map.setHere(position.here.lat, position.here.lon);
  }

  if (text.trim()) page(null);
  else clear(list, h("p", {}, t("searchHint")));
  return () => {
    stopped = true;
    if (map) map.destroy();
  };
}

/** The emergency bar's full list, from the API (112 first), in the UI language. */
async function loadEmergency() {
  try {
    const { data } = await gql("PortalStart", { lang: apiLang() });
    const items = data.emergencyContacts.map((contact) =>
      h(
        "li",
        {},
        h("a", { href: `tel:${contact.number.replace(/[^+\d]/g, "")}` }, `${contact.number} · ${contact.name}`),
        contact.description ? h("span", { class: "muted" }, ` ${contact.description}`) : null,
      ),
    );
    if (items.length) clear(document.getElementById("sos-list"), items);
  } catch {
    /* the numbers in the HTML stay */
  }
}

function onSearch(event) {
  event.preventDefault();
  const text = searchInput.value.trim();
  if (!text) return;
  const target = `#/cari?q=${encodeURIComponent(text)}`;
  if (window.location.hash === target) render(true);
  else window.location.hash = target;
}

function applyLanguage() {
  translateStatic();
  loadEmergency();
  render(false, "language");
}

function onLanguage() {
  setLang(lang() === "en" ? "id" : "en");
  applyLanguage();
}

async function start() {
  const query = new URLSearchParams(window.location.search).get("q");
  if (query && !window.location.hash) {
    history.replaceState(null, "", `./#/cari?q=${encodeURIComponent(query)}`);
  }
  document.getElementById("search-form").addEventListener("submit", onSearch);
  document.getElementById("lang-toggle").addEventListener("click", onLanguage);
  document.querySelector(".skip").addEventListener("click", (event) => {
    event.preventDefault();
    document.getElementById("main").focus();
  });
  window.addEventListener("hashchange", () => {
    if (window.location.hash.startsWith("#/") || !window.location.hash) render(true);
  });
  translateStatic();
  watchEmergencyBar();
  render(false);
  const settings = await config();
  const before = lang();
  setDefaultLang(settings.defaultLang);
  if (lang() !== before) applyLanguage();
  else loadEmergency();
}

start();
