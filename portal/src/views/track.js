// Following a complaint live: complaintUpdated over Server-Sent Events. The first event is
// the complaint as it is now, then one for each change; EventSource reconnects by itself
// after a dropped connection, and this screen subscribes again (5 s, doubling to 60 s) when
// the hub refuses the stream (too many connections, live updates unavailable for now).
import { subscribe } from "../api.js";
import { formatDate, t, t2 } from "../i18n.js";
import { clear, complaintBadges, h, heading, trackHref } from "../ui.js";

export function render(view, route) {
  const id = (route.arg || "").trim();
  const input = h("input", { type: "text", id: "track-id", value: id, maxlength: 100, autocomplete: "off", dataset: { testid: "track-input" } });
  const form = h(
    "form",
    { class: "toolbar", role: "search" },
    h("label", { for: "track-id" }, t("trackingId")),
    input,
    h("button", { type: "submit", class: "button button-primary", dataset: { testid: "track-submit" } }, t("trackButton")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const wanted = input.value.trim();
    if (wanted) window.location.hash = trackHref(wanted);
  });
  const connection = h("p", { class: "muted", role: "status", dataset: { testid: "tracking-connection" } });
  const details = h("div", { class: "tracking-card", "aria-live": "polite" });
  clear(view, heading(t("trackTitle")), form, id ? connection : null, details);
  if (!id) return null;

  let stop = null;
  let stopped = false;
  let delay = 5;
  let timer = null;
  let ended = false; // this subscription's outcome is handled (refused, retried or done)

  function show(complaint) {
    const row = (label, value) => (value ? [h("dt", {}, label), h("dd", {}, value)] : null);
    clear(
      details,
      h("h2", {}, complaint.categoryName || complaint.trackingId),
      h("p", { class: "tracking" }, h("output", { dataset: { testid: "tracking-id" } }, complaint.trackingId)),
      h(
        "p",
        { class: "card-actions" },
        h("strong", { dataset: { testid: "tracking-status", status: complaint.status } }, t2("status", complaint.status)),
        " ",
        complaintBadges(complaint).slice(1),
        complaint.deliveryStatus
          ? h("span", { class: "badge", dataset: { testid: "tracking-delivery", delivery: complaint.deliveryStatus } }, t2("delivery", complaint.deliveryStatus))
          : null,
      ),
      complaint.description ? h("p", {}, complaint.description) : null,
      h(
        "dl",
        { class: "facts" },
        row(t("agency"), complaint.agency),
        row(t("notes"), complaint.statusNotes),
        row(t("district"), [complaint.district, complaint.address].filter(Boolean).join(" · ")),
        row(t("requested"), formatDate(complaint.requestedAt)),
        row(t("expected"), formatDate(complaint.expectedAt)),
        row(t("updated"), formatDate(complaint.updatedAt)),
        row(t("rejected"), complaint.rejectionReason),
      ),
    );
  }

  /** Subscribe again after the delay, shown counting as "reconnecting"; 5 s doubling to 60 s. */
  function retryLater() {
    if (stopped || timer) return;
    if (stop) stop();
    stop = null;
    const wait = delay;
    delay = Math.min(delay * 2, 60);
    connection.dataset.state = "reconnecting";
    connection.textContent = t("reconnectingIn", wait);
    timer = setTimeout(() => {
      timer = null;
      start();
    }, wait * 1000);
  }

  function onEvent(event) {
    if (stopped || ended) return;
    if (event.type === "open") {
      connection.dataset.state = "live";
      connection.textContent = t("live");
    } else if (event.type === "reconnecting") {
      connection.dataset.state = "reconnecting";
      connection.textContent = t("reconnecting");
    } else if (event.type === "closed") {
      ended = true;
      retryLater(); // refused (HTTP 503 TOO_MANY_CONNECTIONS, …): EventSource gave up
    } else if (event.type === "complete") {
      ended = true;
      connection.dataset.state = "done";
      connection.textContent = "";
    } else if (event.type === "next") {
      const complaint = event.result.data && event.result.data.complaintUpdated;
      if (complaint) {
        delay = 5;
        connection.dataset.state = "live";
        connection.textContent = t("live");
        show(complaint);
        return;
      }
      const error = (event.result.errors || [])[0] || {};
      const code = error.extensions && error.extensions.code;
      ended = true;
      if (code === "BAD_USER_INPUT") {
        // The hub does not know this tracking id: the one outcome that is final.
        if (stop) stop();
        connection.dataset.state = "done";
        connection.textContent = "";
        clear(
          details,
          h(
            "div",
            { class: "error", role: "alert", dataset: { testid: "tracking-not-found" } },
            h("p", {}, t("notFound")),
            error.message ? h("p", { class: "hint", lang: "en" }, error.message) : null,
          ),
        );
      } else {
        retryLater(); // SERVICE_UNAVAILABLE and the like: live updates are back shortly
      }
    }
  }

  function start() {
    ended = false;
    subscribe("PortalFollowComplaint", { id }, onEvent).then(
      (close) => {
        if (stopped) close();
        else stop = close;
      },
      () => {
        ended = true;
        retryLater();
      },
    );
  }

  start();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    if (stop) stop();
  };
}
