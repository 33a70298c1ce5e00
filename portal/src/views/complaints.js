// The public complaints, by district, overdue ones marked, with each district's figures.
import { errorsAt, gql } from "../api.js";
import { formatNumber, t, t2 } from "../i18n.js";
import { card, cardList, clear, errorBox, focusCard, h, heading, loading, mapSlot, sourceNotice, trackHref } from "../ui.js";

export function render(view, route) {
  const district = route.query.get("kecamatan") || "";
  const status = route.query.get("status") || "";
  let stopped = false;
  let map = null;
  let edges = [];
  const stats = h("div", { class: "stats" });
  const list = h("div", { class: "results" }, loading());
  const slot = mapSlot();
  const districtSelect = h("select", { id: "filter-district", dataset: { testid: "complaints-district" } }, h("option", { value: "" }, t("allDistricts")));
  const statusSelect = h(
    "select",
    { id: "filter-status", dataset: { testid: "complaints-status" } },
    h("option", { value: "" }, t("all")),
    h("option", { value: "OPEN", selected: status === "OPEN" }, t("open")),
    h("option", { value: "CLOSED", selected: status === "CLOSED" }, t2("status", "CLOSED")),
  );
  const filters = h(
    "form",
    { class: "toolbar" },
    h("label", { for: "filter-district" }, t("district")),
    districtSelect,
    h("label", { for: "filter-status" }, t("statusFilter")),
    statusSelect,
    h("button", { type: "submit", class: "button", dataset: { testid: "complaints-apply" } }, t("applyFilters")),
  );
  function go() {
    const params = new URLSearchParams();
    if (districtSelect.value) params.set("kecamatan", districtSelect.value);
    if (statusSelect.value) params.set("status", statusSelect.value);
    window.location.hash = `#/pengaduan${params.toString() ? `?${params}` : ""}`;
  }
  // Applied with the button (or Enter), never on change: choosing with the arrow keys must
  // not move the citizen to another screen (WCAG 3.2.2).
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    go();
  });
  clear(view, heading(t("complaintsTitle")), filters, stats, h("div", { class: "split" }, slot, list));

  function showStats(districts) {
    if (districtSelect.options.length === 1) {
      for (const d of districts) districtSelect.append(h("option", { value: d.name, selected: d.name === district }, d.name));
    }
    clear(
      stats,
      h(
        "ul",
        { class: "stat-list" },
        districts.map((d) =>
          h(
            "li",
            { class: `stat${d.name === district ? " stat-current" : ""}` },
            h("a", { href: `#/pengaduan?kecamatan=${encodeURIComponent(d.name)}` }, d.name),
            h("span", {}, `${d.complaintStats.total} ${t("totalCount")} · ${d.complaintStats.open} ${t("open").toLowerCase()}`),
            h(
              "span",
              { class: d.complaintStats.overdue ? "overdue-text" : "" },
              `${d.complaintStats.overdue} ${t("overdueCount")}`,
            ),
            d.complaintStats.onTimeRate !== null
              ? h("span", {}, `${formatNumber(d.complaintStats.onTimeRate * 100, 0)}% ${t("onTimeRate")}`)
              : null,
          ),
        ),
      ),
    );
  }

  async function page(after) {
    const filter = { district: district || null, status: status || null };
    try {
      const { data, errors } = await gql("PortalComplaints", { filter, first: 30, after });
      if (stopped) return;
      if (!after) {
        edges = [];
        const districtsFailed = errorsAt(errors, "districts");
        if (data.districts) showStats(data.districts);
        else if (districtsFailed.length) clear(stats, sourceNotice(districtsFailed, () => page(null)));
      }
      const before = edges.length;
      const failed = errorsAt(errors, "complaints");
      const complaints = data.complaints;
      edges = edges.concat(complaints ? complaints.edges : []);
      clear(
        list,
        failed.length ? sourceNotice(failed, () => page(after)) : null,
        complaints ? h("p", { class: "muted", role: "status" }, t("results", complaints.totalCount)) : null,
        edges.length ? cardList(edges.map(({ node }) => card("COMPLAINT", node, { level: 2 }))) : null,
        complaints && complaints.pageInfo.hasNextPage
          ? h("button", { type: "button", class: "button", onclick: () => page(complaints.pageInfo.endCursor) }, t("more"))
          : null,
      );
      if (after) focusCard(list, before);
      showMap();
    } catch (error) {
      if (!stopped) clear(list, errorBox(error, () => page(after)));
    }
  }

  let mapReady = null;
  async function showMap() {
    mapReady ||= import("../map.js").then(({ createMap }) => createMap(slot));
    map = await mapReady;
    if (stopped) return map.destroy();
    map.setPlaces(
      edges
        .filter(({ node }) => node.location)
        .map(({ node }) => ({
          kind: "COMPLAINT", name: node.categoryName || node.trackingId, district: node.district,
          lat: node.location.lat, lon: node.location.lon, href: trackHref(node.trackingId),
        })),
    );
  }

  page(null);
  return () => {
    stopped = true;
    if (map) map.destroy();
  };
}
