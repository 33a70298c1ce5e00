// Following a complaint live: complaintUpdated over Server-Sent Events. The first event is
// the complaint as it is now, then one for each change; EventSource reconnects by itself.
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

  function onEvent(event) {
    if (stopped) return;
    if (event.type === "open") connection.textContent = t("live");
    else if (event.type === "reconnecting") connection.textContent = t("reconnecting");
    else if (event.type === "closed") connection.textContent = t("error");
    else if (event.type === "complete") connection.textContent = "";
    else if (event.type === "next") {
      const complaint = event.result.data && event.result.data.complaintUpdated;
      if (complaint) {
        connection.textContent = t("live");
        show(complaint);
      } else {
        const message = ((event.result.errors || [])[0] || {}).message;
        clear(details, h("p", { class: "error", role: "alert" }, message ? `${t("notFound")} (${message})` : t("notFound")));
      }
    }
  }

  subscribe("PortalFollowComplaint", { id }, onEvent).then((close) => {
    if (stopped) close();
    else stop = close;
  });
  return () => {
    stopped = true;
    if (stop) stop();
  };
}
