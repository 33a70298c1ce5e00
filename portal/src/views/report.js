// Lapor (Si Tanggap): a complaint form built from the categories and their questions; the
// location from a tap on the map or the browser's position; sent with an idempotency key, so
// sending again after a lost answer never files it twice.
import { gql } from "../api.js";
import { bilingual, t, t2 } from "../i18n.js";
import { clear, errorBox, h, heading, loading, locate, mapSlot, position, trackHref } from "../ui.js";

let fieldCount = 0;
// The form as it was when the language was switched, put back in the new language; with the
// complaint's idempotency key, so it stays the same complaint. Kept in memory only.
let draft = null;

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

/** The question fields' values as typed: {code: [values]}. */
function rawAnswers(container) {
  const values = {};
  for (const wrapper of container.querySelectorAll("[data-question]")) {
    values[wrapper.dataset.question] =
      wrapper.dataset.datatype === "multivaluelist"
        ? [...wrapper.querySelectorAll("input:checked")].map((input) => input.value)
        : [wrapper.querySelector("input, select, textarea").value];
  }
  return values;
}

function restoreAnswers(container, values) {
  for (const wrapper of container.querySelectorAll("[data-question]")) {
    const given = values[wrapper.dataset.question];
    if (!given) continue;
    if (wrapper.dataset.datatype === "multivaluelist") {
      for (const input of wrapper.querySelectorAll("input")) input.checked = given.includes(input.value);
    } else {
      wrapper.querySelector("input, select, textarea").value = given[0] || "";
    }
  }
}

export function render(view) {
  let stopped = false;
  let map = null;
  let snapshot = null; // the form's state now, once it is built
  const restored = draft;
  draft = null;
  let key = restored ? restored.key : newKey();
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

    function showQuestions() {
      const chosen = categories.find((c) => c.code === category.value);
      categoryHint.textContent = chosen ? bilingual(chosen.description) : "";
      clear(questions, chosen ? chosen.questions.map(questionField) : []);
    }
    category.addEventListener("change", showQuestions);
    const plain = { description, lat, lon, address, media, first, last, email, phone };
    snapshot = () => ({
      key,
      category: category.value,
      answers: rawAnswers(questions),
      values: Object.fromEntries(Object.entries(plain).map(([name, control]) => [name, control.value])),
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
    if (restored) {
      category.value = restored.category;
      showQuestions();
      restoreAnswers(questions, restored.answers);
      for (const [name, control] of Object.entries(plain)) control.value = restored.values[name] || "";
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const latValue = parseFloat(lat.value);
      const lonValue = parseFloat(lon.value);
      const hasPoint = Number.isFinite(latValue) && Number.isFinite(lonValue);
      const problems = [];
      if (!category.value) problems.push({ field: "category", message: t("required") });
      const given = new Set(answers(questions).map((answer) => answer.code));
      for (const wrapper of questions.querySelectorAll("[data-question]")) {
        const required = wrapper.querySelector("[required]") || wrapper.dataset.required === "true";
        if (required && !given.has(wrapper.dataset.question)) {
          problems.push({ field: `attributes.${wrapper.dataset.question}`, message: t("required") });
        }
      }
      if (!description.value.trim()) problems.push({ field: "description", message: t("required") });
      if (!hasPoint && !address.value.trim()) problems.push({ field: "location", message: t("noLocation") });
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
        if (payload.errors.length || !payload.trackingId) {
          // The hub's words (English) stay as a detail under the translated ones.
          showErrors(payload.errors.map((e) => ({ field: e.field, message: serverMessage(e), detail: e.message })), input.answers);
        } else {
          key = newKey(); // the next report is a new complaint
          clearErrors();
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

    const fields = {
      category, description, location: lat, address, mediaUrl: media,
      "reporter.firstName": first, "reporter.lastName": last, "reporter.email": email, "reporter.phone": phone,
    };

    /** The hub's message for a field, in the UI language where it is a known one. */
    function serverMessage(error) {
      if (/^at most /i.test(error.message)) return t("checkField");
      const known = t2("fieldProblem", error.field);
      return known !== error.field ? known : t("checkField");
    }

    /** The question wrapper an error is about: attributes.<code>, or answers[i] (the i-th
     * answer sent). */
    function questionWrapper(field, sent) {
      let code = (/^attributes\.([\w-]+)/.exec(field) || [])[1];
      const index = (/^answers\[(\d+)\]/.exec(field) || [])[1];
      if (!code && index !== undefined && sent && sent[Number(index)]) code = sent[Number(index)].code;
      return code ? questions.querySelector(`[data-question="${CSS.escape(code)}"]`) : null;
    }

    /** The control and the label for an error's field path. */
    function fieldOf(field, sent) {
      const wrapper = questionWrapper(field, sent);
      if (wrapper) {
        const control = wrapper.dataset.datatype === "multivaluelist" ? wrapper : wrapper.querySelector("input, select, textarea");
        return { control, label: wrapper.querySelector("label, legend").firstChild.textContent };
      }
      const control = fields[field] || (field.startsWith("location") ? lat : null);
      const labels = {
        category: "category", description: "description", location: "location", address: "address",
        mediaUrl: "photoUrl", "reporter.firstName": "firstName", "reporter.lastName": "lastName",
        "reporter.email": "email", "reporter.phone": "phone", input: "input",
      };
      const name = labels[field] || (field.startsWith("location") ? "location" : field.startsWith("attributes") ? "attributes" : null);
      return { control, label: name ? t(name) : field };
    }

    function clearErrors() {
      for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
      for (const el of form.querySelectorAll(".field-error")) el.remove();
      for (const el of form.querySelectorAll("[data-described]")) {
        if (el.dataset.described) el.setAttribute("aria-describedby", el.dataset.described);
        else el.removeAttribute("aria-describedby");
        delete el.dataset.described;
      }
    }

    /** Each field in error marked, its message beside it and linked (aria-describedby), and
     * the list of them all at the top. */
    function showErrors(errors, sent) {
      clearErrors();
      const items = errors.map((error) => {
        const { control, label } = fieldOf(error.field || "input", sent);
        const detail = error.detail && error.detail !== error.message ? error.detail : null;
        if (control) {
          const messageId = `${control.id || (control.id = `f${(fieldCount += 1)}`)}-error`;
          let note = document.getElementById(messageId);
          if (!note) {
            note = h("p", { class: "field-error", id: messageId });
            (control.matches("fieldset") ? control : control.closest(".field") || control.parentElement).append(note);
            if (!("described" in control.dataset)) control.dataset.described = control.getAttribute("aria-describedby") || "";
            control.setAttribute("aria-describedby", [control.dataset.described, messageId].filter(Boolean).join(" "));
          }
          note.append(note.textContent ? " " : "", error.message);
          if (!control.matches("fieldset")) control.setAttribute("aria-invalid", "true");
        }
        return h(
          "li",
          {},
          `${label}: ${error.message}`,
          detail ? h("span", { class: "hint", lang: "en" }, ` (${t("serverSaid")}: ${detail})`) : null,
        );
      });
      outcome.replaceChildren(
        h(
          "div",
          { class: "error", role: "alert", tabindex: "-1", dataset: { testid: "report-errors" } },
          h("p", {}, t("fixErrors")),
          h("ul", {}, items),
        ),
      );
      outcome.firstChild.focus();
    }

    import("../map.js")
      .then(({ createMap }) => createMap(slot, { onTap: setPoint }))
      .then((created) => {
        if (stopped) return created.destroy();
        map = created;
        const a = parseFloat(lat.value);
        const b = parseFloat(lon.value);
        if (Number.isFinite(a) && Number.isFinite(b)) map.setHere(a, b, false);
        else if (position.here) setPoint(position.here.lat, position.here.lon);
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
  return (reason) => {
    stopped = true;
    // Switching the language redraws the screen: the half-written complaint comes back.
    if (reason === "language") draft = snapshot ? snapshot() : restored;
    if (map) map.destroy();
  };
}
