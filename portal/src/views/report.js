// Lapor (Si Tanggap): a complaint form built from the categories and their questions; the
// location from a tap on the map or the browser's position; sent with an idempotency key, so
// sending again after a lost answer never files it twice.
import { gql } from "../api.js";
import { bilingual, t } from "../i18n.js";
import { clear, errorBox, h, heading, loading, locate, mapSlot, position, trackHref } from "../ui.js";

let fieldCount = 0;

function newKey() {
  if (window.crypto && crypto.randomUUID) return `portal-${crypto.randomUUID()}`;
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `portal-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** A labelled control: {wrapper, control}. */
function field(labelText, control, { required = false, hint = null } = {}) {
  const id = control.id || `f${(fieldCount += 1)}`;
  control.id = id;
  if (required) control.required = true;
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) control.setAttribute("aria-describedby", hintId);
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, labelText, required ? h("span", { class: "req" }, ` (${t("required")})`) : null),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    control,
  );
}

/** The controls for one category question, by its datatype. */
function questionField(question) {
  const testid = `report-q-${question.code}`;
  const label = bilingual(question.description) || question.code;
  if (question.datatype === "multivaluelist") {
    return h(
      "fieldset",
      { class: "field", dataset: { testid, question: question.code, datatype: question.datatype, required: String(question.required) } },
      h("legend", {}, label, question.required ? h("span", { class: "req" }, ` (${t("required")})`) : null),
      question.choices.map((choice) => {
        const id = `f${(fieldCount += 1)}`;
        return h(
          "div",
          { class: "check" },
          h("input", { type: "checkbox", id, value: choice.key, name: question.code }),
          h("label", { for: id }, choice.name),
        );
      }),
    );
  }
  let control;
  if (question.datatype === "singlevaluelist") {
    control = h(
      "select",
      {},
      h("option", { value: "" }, t("choose")),
      question.choices.map((choice) => h("option", { value: choice.key }, choice.name)),
    );
  } else if (question.datatype === "text") {
    control = h("textarea", { rows: 3, maxlength: 2000 });
  } else if (question.datatype === "number") {
    control = h("input", { type: "number", step: "any", inputmode: "decimal" });
  } else if (question.datatype === "datetime") {
    control = h("input", { type: "datetime-local" });
  } else {
    control = h("input", { type: "text", maxlength: 500 });
  }
  control.dataset.testid = testid;
  control.name = question.code;
  const wrapper = field(label, control, { required: question.required });
  wrapper.dataset.question = question.code;
  wrapper.dataset.datatype = question.datatype;
  return wrapper;
}

/** The answers as the API takes them, from the question fields. */
function answers(container) {
  const list = [];
  for (const wrapper of container.querySelectorAll("[data-question]")) {
    const code = wrapper.dataset.question;
    let values;
    if (wrapper.dataset.datatype === "multivaluelist") {
      values = [...wrapper.querySelectorAll("input:checked")].map((input) => input.value);
    } else {
      const value = wrapper.querySelector("input, select, textarea").value.trim();
      values = value ? [wrapper.dataset.datatype === "datetime" ? `${value.length === 16 ? `${value}:00` : value}+08:00` : value] : [];
    }
    if (values.length) list.push({ code, values });
  }
  return list;
}

export function render(view) {
  let stopped = false;
  let map = null;
  let key = newKey();
  const form = h("form", { class: "form", novalidate: true, "aria-busy": "true" }, loading());
  const outcome = h("div", { class: "outcome", "aria-live": "polite" });
  clear(view, heading(t("reportTitle")), outcome, form);

  function build(categories) {
    const category = h(
      "select",
      { dataset: { testid: "report-category" } },
      h("option", { value: "" }, t("chooseCategory")),
      categories.map((c) => h("option", { value: c.code }, c.name)),
    );
    const categoryHint = h("p", { class: "hint" });
    const questions = h("div", { class: "questions" });
    const description = h("textarea", { rows: 4, maxlength: 4000, dataset: { testid: "report-description" } });
    const lat = h("input", { type: "number", step: "any", inputmode: "decimal", dataset: { testid: "report-lat" } });
    const lon = h("input", { type: "number", step: "any", inputmode: "decimal", dataset: { testid: "report-lon" } });
    const address = h("input", { type: "text", maxlength: 500, autocomplete: "street-address", dataset: { testid: "report-address" } });
    const media = h("input", { type: "url", maxlength: 1000, placeholder: "https://…", dataset: { testid: "report-photo" } });
    const first = h("input", { type: "text", autocomplete: "given-name", maxlength: 100, dataset: { testid: "report-first-name" } });
    const last = h("input", { type: "text", autocomplete: "family-name", maxlength: 100, dataset: { testid: "report-last-name" } });
    const email = h("input", { type: "email", autocomplete: "email", maxlength: 200, dataset: { testid: "report-email" } });
    const phone = h("input", { type: "tel", autocomplete: "tel", maxlength: 40, dataset: { testid: "report-phone" } });
    const locateButton = h("button", { type: "button", class: "button", dataset: { testid: "report-locate" } }, t("useMyLocation"));
    const submit = h("button", { type: "submit", class: "button button-primary", dataset: { testid: "report-submit" } }, t("submit"));
    const slot = mapSlot();

    function setPoint(latValue, lonValue) {
      lat.value = latValue.toFixed(6);
      lon.value = lonValue.toFixed(6);
      if (map) map.setHere(latValue, lonValue, false);
    }

    category.addEventListener("change", () => {
      const chosen = categories.find((c) => c.code === category.value);
      categoryHint.textContent = chosen ? bilingual(chosen.description) : "";
      clear(questions, chosen ? chosen.questions.map(questionField) : []);
    });
    locateButton.addEventListener("click", () => {
      locate().then((here) => setPoint(here.lat, here.lon)).catch(() => {
        outcome.replaceChildren(h("p", { class: "error", role: "alert" }, t("locateFailed")));
      });
    });
    for (const input of [lat, lon]) {
      input.addEventListener("change", () => {
        const a = parseFloat(lat.value);
        const b = parseFloat(lon.value);
        if (map && Number.isFinite(a) && Number.isFinite(b)) map.setHere(a, b, false);
      });
    }

    form.removeAttribute("aria-busy");
    clear(
      form,
      field(t("category"), category, { required: true }),
      categoryHint,
      questions,
      field(t("description"), description, { required: true }),
      h(
        "fieldset",
        { class: "field" },
        h("legend", {}, t("location")),
        h("p", { class: "hint" }, t("locationHint")),
        h("div", { class: "toolbar" }, locateButton),
        slot,
        h("div", { class: "pair" }, field(t("lat"), lat), field(t("lon"), lon)),
        field(t("address"), address),
      ),
      field(t("photoUrl"), media),
      h(
        "fieldset",
        { class: "field" },
        h("legend", {}, t("contact")),
        h("div", { class: "pair" }, field(t("firstName"), first), field(t("lastName"), last)),
        h("div", { class: "pair" }, field(t("email"), email), field(t("phone"), phone)),
      ),
      submit,
    );

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const latValue = parseFloat(lat.value);
      const lonValue = parseFloat(lon.value);
      const hasPoint = Number.isFinite(latValue) && Number.isFinite(lonValue);
      const problems = [];
      if (!category.value) problems.push({ field: "category", label: t("category"), message: t("required") });
      const given = new Set(answers(questions).map((answer) => answer.code));
      for (const wrapper of questions.querySelectorAll("[data-question]")) {
        const required = wrapper.querySelector("[required]") || wrapper.dataset.required === "true";
        if (required && !given.has(wrapper.dataset.question)) {
          const label = wrapper.querySelector("label, legend").firstChild.textContent;
          problems.push({ field: `attributes.${wrapper.dataset.question}`, label, message: t("required") });
        }
      }
      if (!description.value.trim()) problems.push({ field: "description", label: t("description"), message: t("required") });
      if (!hasPoint && !address.value.trim()) problems.push({ field: "location", label: t("location"), message: t("noLocation") });
      if (problems.length) return showErrors(problems);
      const reporter = { firstName: first.value.trim(), lastName: last.value.trim(), email: email.value.trim(), phone: phone.value.trim() };
      const input = {
        category: category.value,
        description: description.value.trim(),
        location: hasPoint ? { lat: latValue, lon: lonValue } : null,
        address: address.value.trim() || null,
        answers: answers(questions),
        mediaUrl: media.value.trim() || null,
        reporter: Object.values(reporter).some(Boolean)
          ? Object.fromEntries(Object.entries(reporter).map(([k, v]) => [k, v || null]))
          : null,
      };
      submit.disabled = true;
      submit.textContent = t("submitting");
      try {
        const { data } = await gql("PortalSubmitComplaint", { input, idempotencyKey: key });
        const payload = data.submitComplaint;
        if (payload.errors.length || !payload.trackingId) showErrors(payload.errors);
        else {
          key = newKey(); // the next report is a new complaint
          showDone(payload);
          form.reset();
          clear(questions);
        }
      } catch (error) {
        outcome.replaceChildren(errorBox(error)); // the same key again on the next try
      } finally {
        submit.disabled = false;
        submit.textContent = t("submit");
      }
    });

    function showErrors(errors) {
      for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
      const fields = { category, description, location: lat, address, mediaUrl: media, "reporter.email": email, "reporter.phone": phone };
      for (const error of errors) {
        const question = /^(?:attributes\.|answers\.)([\w-]+)/.exec(error.field);
        const control =
          fields[error.field] ||
          (error.field.startsWith("location") ? lat : null) ||
          (question ? questions.querySelector(`[data-question="${question[1]}"] input, [data-question="${question[1]}"] select, [data-question="${question[1]}"] textarea`) : null);
        if (control) control.setAttribute("aria-invalid", "true");
      }
      outcome.replaceChildren(
        h(
          "div",
          { class: "error", role: "alert", tabindex: "-1", dataset: { testid: "report-errors" } },
          h("p", {}, t("fixErrors")),
          h("ul", {}, errors.map((e) => h("li", {}, `${e.label || e.field}: ${e.message}`))),
        ),
      );
      outcome.firstChild.focus();
    }

    import("../map.js")
      .then(({ createMap }) => createMap(slot, { onTap: setPoint }))
      .then((created) => {
        if (stopped) return created.destroy();
        map = created;
        if (position.here) setPoint(position.here.lat, position.here.lon);
      })
      .catch((error) => clear(slot, errorBox(error)));
  }

  function showDone(payload) {
    outcome.replaceChildren(
      h(
        "div",
        { class: "success", role: "status", tabindex: "-1" },
        h("p", {}, t("submitted")),
        h("p", { class: "tracking" }, h("output", { dataset: { testid: "tracking-id" } }, payload.trackingId)),
        h("p", {}, h("a", { class: "button button-primary", href: trackHref(payload.trackingId) }, t("trackIt"))),
      ),
    );
    outcome.firstChild.focus();
  }

  gql("PortalCategories", {})
    .then(({ data }) => {
      if (!stopped) build(data.complaintCategories);
    })
    .catch((error) => {
      if (!stopped) clear(form, errorBox(error, () => render(view)));
    });
  return () => {
    stopped = true;
    if (map) map.destroy();
  };
}
