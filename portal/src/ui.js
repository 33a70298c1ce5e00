// Small DOM helpers and the cards every screen shares. Text always goes in as text, never HTML.
import { t, t2, formatDate, formatNumber, formatPeriod } from "./i18n.js";

/** h("a", {href, class, dataset: {...}}, child, …): an element; strings become text nodes. */
export function h(tag, attrs = {}, ...children) {
  const svg = tag.startsWith("svg:");
  const el = svg
    ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
    : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "text") el.textContent = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Where the citizen is, once known (geolocation or a tap on a map), for this visit. */
export const position = { here: null };

export function setHere(lat, lon) {
  position.here = { lat, lon };
}

/** The browser's position, as {lat, lon}; rejects when it is refused or unavailable. */
export function locate() {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) {
      reject(new Error("no geolocation"));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (found) => {
        setHere(found.coords.latitude, found.coords.longitude);
        resolve(position.here);
      },
      reject,
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
    );
  });
}

export function loading() {
  return h("p", { class: "muted", role: "status" }, t("loading"));
}

/** What went wrong, in the UI language: the browser's and the hub's words translated. */
export function describeError(error) {
  if (!error) return t("error");
  if (typeof error === "string") return error;
  // "Failed to fetch", "Failed to fetch dynamically imported module": the browser's words.
  if (error.kind === "network" || (error instanceof TypeError && /fetch/i.test(error.message))) return t("networkError");
  if (error.kind === "http") return t("httpError", error.status);
  const code = error.errors && error.errors[0] && error.errors[0].extensions && error.errors[0].extensions.code;
  if (code && code.startsWith("UPSTREAM_")) return t("sourceDown");
  return error.message ? `${t("error")}: ${error.message}` : t("error");
}

export function errorBox(error, retry) {
  return h(
    "div",
    { class: "error", role: "alert" },
    h("p", {}, describeError(error)),
    retry ? h("button", { type: "button", class: "button", onclick: retry }, t("retry")) : null,
  );
}

/** A source that did not answer for this part of the page (its errors, from errorsAt()). */
export function sourceNotice(errors, retry) {
  const detail = (errors || []).map((e) => e.message).filter(Boolean)[0];
  return h(
    "div",
    { class: "error", role: "alert", dataset: { testid: "source-error" } },
    h("p", {}, t("sourceDown")),
    detail ? h("p", { class: "hint", lang: "en" }, detail) : null,
    retry ? h("button", { type: "button", class: "button", onclick: retry }, t("retry")) : null,
  );
}

/** The tab's title for a screen, in the UI language. */
export function setTitle(text) {
  document.title = text ? `${text} — Klik Balikpapan` : `Klik Balikpapan — ${t("tagline")}`;
}

/** Focus the first of the cards from `index` on (after "load more"). */
export function focusCard(list, index) {
  const added = list.querySelectorAll(".card")[index];
  if (!added) return;
  const link = added.querySelector(".card-title a");
  if (link) link.focus();
  else {
    added.setAttribute("tabindex", "-1");
    added.focus();
  }
}

/** A spot's category in the UI language (known ones), else as the source gives it. */
export function spotCategory(code) {
  return code ? t2("spotCategory", code) : code;
}

export function heading(text, level = 1) {
  return h(`h${level}`, { tabindex: level === 1 ? "-1" : null, class: level === 1 ? "page-title" : null }, text);
}

export function openBadge(isOpenNow) {
  if (isOpenNow === true) return h("span", { class: "badge badge-open" }, t("openNow"));
  if (isOpenNow === false) return h("span", { class: "badge badge-closed" }, t("closedNow"));
  return null;
}

export function distance(km) {
  return km === null || km === undefined ? null : h("span", { class: "distance" }, t("km", km));
}

export function phoneLink(phone) {
  if (!phone) return null;
  const dial = phone.replace(/[^+\d]/g, "");
  return h("a", { class: "button button-call", href: `tel:${dial}` }, `${t("call")} ${phone}`);
}

export function price(ticket) {
  if (!ticket) return null;
  const money = (value) =>
    value === 0 ? t("free") : `${ticket.currency} ${formatNumber(value, 0)}`;
  const parts = [];
  if (ticket.adult !== null && ticket.adult !== undefined) parts.push(`${t("adult")}: ${money(ticket.adult)}`);
  if (ticket.child !== null && ticket.child !== undefined) parts.push(`${t("child")}: ${money(ticket.child)}`);
  return parts.length ? h("span", { class: "price" }, parts.join(" · ")) : null;
}

export function eTicket(url) {
  return url && /^https?:\/\//i.test(url)
    ? h("a", { class: "button", href: url, rel: "noopener", target: "_blank" }, t("eticket"))
    : null;
}

export function complaintBadges(item) {
  return [
    h("span", { class: `badge badge-${item.status === "CLOSED" ? "closed-ok" : "progress"}` }, t2("status", item.status)),
    item.isOverdue ? h("span", { class: "badge badge-overdue" }, t("overdue")) : null,
  ];
}

export function spotHref(id) {
  return `#/wisata/${encodeURIComponent(id)}`;
}

export function trackHref(id) {
  return `#/lacak/${encodeURIComponent(id)}`;
}

/** One card for anything: a search result, a nearby place, a facility. */
export function card(kind, item, { distanceKm = null, title = null, level = 3 } = {}) {
  const name = title || item.name || item.categoryName || item.trackingId || "";
  const body = [];
  const meta = [];
  let link = null;
  if (kind === "TOURIST_SPOT") {
    link = spotHref(item.id);
    meta.push(item.district, spotCategory(item.category));
    body.push(openBadge(item.isOpenNow), price(item.ticketPrice), eTicket(item.eTicketUrl));
  } else if (kind === "HEALTH_FACILITY") {
    meta.push(t2("facility", item.type), item.district);
    body.push(
      openBadge(item.isOpenNow),
      item.emergency ? h("span", { class: "badge badge-sos" }, t("emergencyCare")) : null,
      phoneLink(item.phone),
    );
  } else if (kind === "COMPLAINT") {
    link = trackHref(item.trackingId);
    meta.push(item.trackingId, item.district, formatDate(item.requestedAt));
    body.push(...complaintBadges(item));
  } else if (kind === "PROGRAM") {
    link = "#/dimensi";
    meta.push(item.dimension, item.programStatus, item.agency);
  } else if (kind === "INDICATOR") {
    link = "#/dimensi";
    if (item.latest) meta.push(`${formatNumber(item.latest.value, 2)} ${item.unit || ""} (${formatPeriod(item.latest.period)})`);
    if (item.target !== null && item.target !== undefined) meta.push(`${t("target")} ${formatNumber(item.target, 2)}`);
  }
  const km = distanceKm ?? item.distanceKm;
  return h(
    "li",
    { class: "card", dataset: { testid: "result-card", kind } },
    h("div", { class: "card-kind" }, t2("kind", kind), distance(km)),
    h(`h${level}`, { class: "card-title" }, link ? h("a", { href: link }, name) : name),
    h("p", { class: "card-meta" }, meta.filter(Boolean).join(" · ")),
    h("div", { class: "card-actions" }, body),
  );
}

export function cardList(cards, label) {
  return h("ul", { class: "cards", "aria-label": label || null }, cards);
}

/** A map beside (desktop) or below (phone) a list, loaded only when shown. */
export function mapSlot() {
  return h("div", { class: "map", role: "region", "aria-label": t("map") });
}
