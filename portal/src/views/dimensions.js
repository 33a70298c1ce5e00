// The six smart-city dimensions: each dimension's programs with their indicator series drawn
// as small inline SVG charts against their targets, and the indicators computed live.
import { errorsAt, gql } from "../api.js";
import { apiLang, formatNumber, formatPeriod, t } from "../i18n.js";
import { clear, errorBox, h, heading, loading, sourceNotice } from "../ui.js";

const W = 260;
const H = 90;
const PAD = { top: 10, right: 10, bottom: 18, left: 10 };

/** An indicator's series against its target, as an accessible inline SVG. */
export function chart(indicator) {
  const series = indicator.series || [];
  const values = series.map((point) => point.value);
  const hasTarget = indicator.target !== null && indicator.target !== undefined;
  const all = hasTarget ? values.concat(indicator.target) : values;
  const min = Math.min(...all);
  const max = Math.max(...all);
  const span = max - min || 1;
  const x = (i) => PAD.left + (series.length > 1 ? (i * (W - PAD.left - PAD.right)) / (series.length - 1) : (W - PAD.left - PAD.right) / 2);
  const y = (v) => PAD.top + (1 - (v - min) / span) * (H - PAD.top - PAD.bottom);
  const unit = indicator.unit ? ` ${indicator.unit}` : "";
  const described = series.map((p) => `${formatPeriod(p.period)}: ${formatNumber(p.value, 2)}${unit}`).join(", ");
  const label = `${t("chartLabel", indicator.name)}. ${described}${hasTarget ? `. ${t("target")}: ${formatNumber(indicator.target, 2)}${unit}` : ""}`;
  const svg = h("svg:svg", {
    viewBox: `0 0 ${W} ${H}`, class: `chart ${indicator.meetsTarget ? "chart-ok" : "chart-below"}`,
    role: "img", "aria-label": label, "data-testid": "indicator-chart", "data-indicator": indicator.code,
  });
  svg.append(h("svg:title", {}, label));
  if (hasTarget) {
    svg.append(h("svg:line", { class: "chart-target", x1: PAD.left, x2: W - PAD.right, y1: y(indicator.target), y2: y(indicator.target) }));
    svg.append(h("svg:text", { class: "chart-label", x: W - PAD.right, y: Math.max(8, y(indicator.target) - 3), "text-anchor": "end" }, `${t("target")} ${formatNumber(indicator.target, 2)}`));
  }
  if (series.length) {
    const points = series.map((p, i) => `${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
    svg.append(h("svg:polyline", { class: "chart-line", points }));
    series.forEach((p, i) => svg.append(h("svg:circle", { class: "chart-point", cx: x(i), cy: y(p.value), r: 3 })));
    svg.append(h("svg:text", { class: "chart-label", x: PAD.left, y: H - 4 }, formatPeriod(series[0].period)));
    if (series.length > 1) {
      svg.append(h("svg:text", { class: "chart-label", x: W - PAD.right, y: H - 4, "text-anchor": "end" }, formatPeriod(series[series.length - 1].period)));
    }
  }
  return svg;
}

function indicatorBlock(indicator) {
  const latest = indicator.latest;
  const unit = indicator.unit ? ` ${indicator.unit}` : "";
  return h(
    "li",
    { class: "indicator" },
    h("h4", {}, indicator.name),
    h(
      "p",
      { class: "card-meta" },
      latest ? `${t("latest")}: ${formatNumber(latest.value, 2)}${unit} (${formatPeriod(latest.period)})` : "",
      indicator.meetsTarget === true ? h("span", { class: "badge badge-open" }, t("meets")) : null,
      indicator.meetsTarget === false ? h("span", { class: "badge badge-progress" }, t("notMeets")) : null,
    ),
    indicator.series.length ? chart(indicator) : null,
    indicator.live && indicator.method ? h("p", { class: "hint" }, h("strong", {}, `${t("method")}: `), indicator.method) : null,
    indicator.live && indicator.computedFrom.length
      ? h("p", { class: "hint" }, `${t("computedFrom")}: ${indicator.computedFrom.join(", ")}`)
      : null,
    indicator.breakdown && indicator.breakdown.length
      ? h("ul", { class: "breakdown" }, indicator.breakdown.map((b) => h("li", {}, `${b.label}: ${formatNumber(b.value, 2)}`)))
      : null,
  );
}

function dimensionSection(dimension) {
  const id = `dim-${dimension.code.toLowerCase()}`;
  return h(
    "section",
    { class: "dimension", "aria-labelledby": id, id: `section-${id}` },
    h("h2", { id }, dimension.name),
    h("p", { class: "muted" }, dimension.description),
    dimension.liveIndicators.length
      ? [h("h3", {}, t("liveIndicators")), h("ul", { class: "indicators" }, dimension.liveIndicators.map(indicatorBlock))]
      : null,
    h("h3", {}, t("programs")),
    h(
      "ul",
      { class: "programs" },
      dimension.programs.map((program) =>
        h(
          "li",
          { class: "program" },
          h("h4", {}, program.name),
          h("p", { class: "card-meta" }, [program.agency, program.status].filter(Boolean).join(" · ")),
          program.description ? h("p", {}, program.description) : null,
          program.indicators.length ? h("ul", { class: "indicators" }, program.indicators.map(indicatorBlock)) : null,
        ),
      ),
    ),
  );
}

export function render(view) {
  let stopped = false;
  const body = h("div", {}, loading());
  clear(view, heading(t("dimensionsTitle")), body);
  function load() {
    gql("PortalDimensions", { lang: apiLang() })
      .then(({ data, errors }) => {
        if (stopped) return;
        const failed = errorsAt(errors, "dimensions");
        if (!data.dimensions) {
          clear(body, sourceNotice(failed, load));
          return;
        }
        const jump = h(
          "nav",
          { class: "jump", "aria-label": t("dimensionsTitle") },
          h("ul", {}, data.dimensions.map((d) => h("li", {}, h("a", { href: "#/dimensi", dataset: { target: `section-dim-${d.code.toLowerCase()}` } }, d.name)))),
        );
        jump.addEventListener("click", (event) => {
          const target = event.target.closest("a");
          if (!target) return;
          event.preventDefault();
          const section = document.getElementById(target.dataset.target);
          section.scrollIntoView();
          section.querySelector("h2").setAttribute("tabindex", "-1");
          section.querySelector("h2").focus();
        });
        clear(body, failed.length ? sourceNotice(failed, load) : null, jump, data.dimensions.map(dimensionSection));
      })
      .catch((error) => {
        if (!stopped) clear(body, errorBox(error, load));
      });
  }
  load();
  return () => {
    stopped = true;
  };
}
