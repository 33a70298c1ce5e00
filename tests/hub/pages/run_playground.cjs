// Runs playground.js under stub browser globals; prints what it gave GraphiQL and graphql-ws.
"use strict";

const fs = require("fs");
const vm = require("vm");

const scriptPath = process.argv[2];
const scenario = JSON.parse(fs.readFileSync(0, "utf8"));
const seen = { fetchers: [], clients: [], runs: [], notice: false };
let props = null;

function createFetcher(options) {
  const index = seen.fetchers.length;
  seen.fetchers.push({
    url: options.url,
    subscriptionUrl: options.subscriptionUrl || null,
    client: options.wsClient ? options.wsClient.index : null,
  });
  return (params) => {
    seen.runs.push({ fetcher: index, operationName: params.operationName });
    return {};
  };
}

function createClient(options) {
  seen.clients.push({
    url: options.url,
    connectionParams: options.connectionParams === undefined ? null : options.connectionParams,
    lazy: options.lazy === undefined ? null : options.lazy,
  });
  return { index: seen.clients.length - 1 };
}

const elements = {
  "kotahub-playground-config": { textContent: JSON.stringify(scenario.config) },
  graphiql: { replaceChildren: () => (seen.notice = true) },
};
const sandbox = {
  URL,
  console,
  location: new URL(scenario.location),
  document: {
    readyState: "complete",
    getElementById: (id) => elements[id] || null,
    addEventListener: () => {},
    createElement: () => ({}),
  },
  GraphiQL: Object.assign(function GraphiQL() {}, { createFetcher }),
  React: { createElement: (component, given) => given },
  ReactDOM: { createRoot: () => ({ render: (given) => (props = given) }) },
};
if (scenario.graphqlWs) {
  sandbox.graphqlWs = { createClient };
}
sandbox.window = sandbox;
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(scriptPath, "utf8"), sandbox, { filename: scriptPath });

for (const headers of scenario.runs) {
  props.fetcher({ query: "subscription Follow { x }", operationName: "Follow" }, { headers });
}
process.stdout.write(JSON.stringify(seen));
