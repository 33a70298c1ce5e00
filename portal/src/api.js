// Talking to the hub: persisted operations only (the hash, never the query text), answers in
// parts (@defer, multipart/mixed) and live updates (GraphQL over Server-Sent Events).
import { OPERATIONS } from "./operations.js";
import { lang } from "./i18n.js";

const DEFAULTS = { tileUrl: null, tileAttribution: "", defaultLang: "id", graphql: "/graphql" };
const DEFER_ACCEPT = "multipart/mixed;deferSpec=20220824, application/json";
let configPromise = null;

/** /portal/config.json, read once; the defaults when the hub does not serve it. */
export function config() {
  if (!configPromise) {
    configPromise = fetch("./config.json", { headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : {}))
      .catch(() => ({}))
      .then((found) => ({ ...DEFAULTS, ...found }));
  }
  return configPromise;
}

/** No answer at all: `kind` is "network" (no connection), "http" (`status` set) or "graphql". */
export class ApiError extends Error {
  constructor(message, errors = [], { kind = "graphql", status = null } = {}) {
    super(message);
    this.errors = errors;
    this.kind = kind;
    this.status = status;
  }
}

/**
 * The errors that cover a part of the answer: those whose path lies on `path` (the field
 * itself, one inside it, or one it is inside). errorsAt(result.errors, "puskesmas").
 */
export function errorsAt(errors, ...path) {
  return (errors || []).filter((error) => {
    const at = error.path || [];
    if (!at.length) return false;
    const n = Math.min(at.length, path.length);
    for (let i = 0; i < n; i += 1) if (at[i] !== path[i]) return false;
    return true;
  });
}

function extensions(name) {
  const hash = OPERATIONS[name];
  if (!hash) throw new ApiError(`unknown operation ${name}`);
  return { persistedQuery: { version: 1, sha256Hash: hash } };
}

function explain(errors) {
  const first = errors[0] || {};
  const code = first.extensions && first.extensions.code;
  if (first.message === "PersistedQueryNotFound" || code === "PERSISTED_QUERY_NOT_FOUND") {
    return "The hub does not know this portal's operations (is the portal installed?)";
  }
  return first.message || "GraphQL error";
}

/**
 * Run a persisted operation: {data, errors}, errors always a list. A source that does not
 * answer leaves its fields null (or empty) with an error whose path names them: see
 * errorsAt(). With onPart, a document using @defer is asked for in parts and
 * onPart({data, errors}) is called with the answer so far after each part; the whole answer
 * is returned at the end. Throws ApiError when there is no data at all.
 */
export async function gql(name, variables = {}, { onPart = null, signal = undefined } = {}) {
  const { graphql } = await config();
  let response;
  try {
    response = await fetch(graphql, {
      method: "POST",
      signal,
      headers: {
        "Content-Type": "application/json",
        Accept: onPart ? DEFER_ACCEPT : "application/json",
        "Accept-Language": lang(),
      },
      body: JSON.stringify({ operationName: name, variables, extensions: extensions(name) }),
    });
  } catch (error) {
    if (error && error.name === "AbortError") throw error;
    throw new ApiError(String((error && error.message) || error), [], { kind: "network" });
  }
  const type = response.headers.get("content-type") || "";
  let result;
  try {
    if (type.startsWith("multipart/mixed")) {
      result = await readIncremental(response, type, onPart);
    } else {
      result = await response.json();
      result = { data: result.data ?? null, errors: result.errors || [] };
      if (onPart) onPart(result, false);
    }
  } catch {
    throw new ApiError(`HTTP ${response.status}`, [], { kind: response.ok ? "network" : "http", status: response.status });
  }
  if (!result.data) {
    if (!response.ok && !result.errors.length) {
      throw new ApiError(`HTTP ${response.status}`, [], { kind: "http", status: response.status });
    }
    throw new ApiError(explain(result.errors), result.errors);
  }
  return result;
}

/** The parts of a multipart/mixed body, each as parsed JSON, as they arrive. */
export async function* multipartParts(response, contentType) {
  const match = /boundary="?([^";]+)"?/i.exec(contentType);
  const delimiter = `\r\n--${match ? match[1] : "-"}`;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "\r\n"; // the first delimiter opens the body without a line break before it
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffer += decoder.decode(value, { stream: true });
    let start = buffer.indexOf(delimiter);
    while (start !== -1) {
      const next = buffer.indexOf(delimiter, start + delimiter.length);
      if (next === -1) break;
      const part = buffer.slice(start + delimiter.length, next);
      const split = part.indexOf("\r\n\r\n");
      const body = split === -1 ? "" : part.slice(split + 4).trim();
      if (body) yield JSON.parse(body);
      buffer = buffer.slice(next);
      start = 0;
    }
    if (done) return;
  }
}

/** Fold the parts into one answer: the first part's data, then each incremental entry. */
async function readIncremental(response, contentType, onPart) {
  const result = { data: null, errors: [] };
  for await (const part of multipartParts(response, contentType)) {
    if ("data" in part && !part.incremental) result.data = part.data;
    if (part.errors) result.errors.push(...part.errors);
    for (const entry of part.incremental || []) merge(result, entry);
    if (onPart) onPart(result, part.hasNext);
    if (!part.hasNext) break;
  }
  return result;
}

function merge(result, entry) {
  if (entry.errors) result.errors.push(...entry.errors);
  let target = result.data;
  const path = entry.path || [];
  const last = entry.items ? path.length - 1 : path.length;
  for (let i = 0; i < last && target; i += 1) target = target[path[i]];
  if (!target) return;
  if (entry.items) target.splice(path[path.length - 1], entry.items.length, ...entry.items);
  else if (entry.data) Object.assign(target, entry.data);
}

/**
 * Follow a subscription over Server-Sent Events (graphql-sse, GET). onEvent receives
 * {type: "next", result} | {type: "complete"} | {type: "reconnecting"} | {type: "open"}.
 * EventSource reconnects by itself; the first event after (re)connecting is the state now.
 * Returns the function that stops it.
 */
export async function subscribe(name, variables, onEvent) {
  const { graphql } = await config();
  const url = new URL(graphql, window.location.href);
  url.searchParams.set("operationName", name);
  url.searchParams.set("variables", JSON.stringify(variables));
  url.searchParams.set("extensions", JSON.stringify(extensions(name)));
  const source = new EventSource(url.toString());
  source.addEventListener("open", () => onEvent({ type: "open" }));
  source.addEventListener("next", (event) => {
    try {
      onEvent({ type: "next", result: JSON.parse(event.data) });
    } catch {
      /* a malformed event is skipped; the next one carries the whole state again */
    }
  });
  source.addEventListener("complete", () => {
    source.close();
    onEvent({ type: "complete" });
  });
  source.addEventListener("error", () => {
    onEvent({ type: source.readyState === EventSource.CLOSED ? "closed" : "reconnecting" });
  });
  return () => source.close();
}
