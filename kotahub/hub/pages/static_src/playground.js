/*
 * KotaHub playground: renders GraphiQL into #graphiql from the JSON config that
 * the page embeds in <script type="application/json" id="kotahub-playground-config">.
 * Queries and mutations go over HTTP; subscriptions over a WebSocket to the same URL
 * (graphql-transport-ws, with the graphql-ws client the hub serves as window.graphqlWs).
 * Loaded as a file (never inline) so the page works under a strict CSP.
 */
(function () {
  "use strict";

  var CONFIG_ID = "kotahub-playground-config";
  var CONTAINER_ID = "graphiql";
  // Headers from GraphiQL's headers editor that carry an API key; sent on the WebSocket
  // as the connection_init payload, named as typed.
  var CREDENTIAL_HEADERS = ["authorization", "x-api-key"];

  function readConfig() {
    var node = document.getElementById(CONFIG_ID);
    var config = node ? JSON.parse(node.textContent || "{}") : {};
    return {
      endpoint: config.endpoint || window.location.pathname,
      examples: Array.isArray(config.examples) ? config.examples : [],
    };
  }

  function exampleTab(example) {
    var query = String(example.query || "");
    if (example.title && query.indexOf("#") !== 0) {
      query = "# " + String(example.title).replace(/\s+/g, " ") + "\n" + query;
    }
    var tab = { query: query };
    if (example.variables) {
      tab.variables = String(example.variables);
    }
    return tab;
  }

  // The endpoint's own URL (same host, path and query) with ws: for http:, wss: for https:.
  function websocketUrl(httpUrl) {
    var url = new URL(httpUrl);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.hash = "";
    return url.toString();
  }

  // The API key headers among those typed in the headers editor, or undefined for none.
  function connectionParams(headers) {
    var found;
    Object.keys(headers || {}).forEach(function (name) {
      var value = headers[name];
      if (CREDENTIAL_HEADERS.indexOf(name.toLowerCase()) !== -1 && value != null && value !== "") {
        found = found || {};
        found[name] = String(value);
      }
    });
    return found;
  }

  // GraphiQL's fetcher with a graphql-ws client for subscriptions. The client connects when
  // a subscription starts, with the API key headers of that run; a run with other keys gets
  // a new client, and the old one closes once its subscriptions end.
  function liveFetcher(url, subscriptionUrl) {
    var graphqlWs = window.graphqlWs;
    if (!graphqlWs || typeof graphqlWs.createClient !== "function") {
      return window.GraphiQL.createFetcher({ url: url });
    }
    var currentKey = null;
    var current = null;
    return function (graphQLParams, options) {
      var params = connectionParams(options && options.headers);
      var key = JSON.stringify(params || null);
      if (key !== currentKey) {
        var client = graphqlWs.createClient({
          url: subscriptionUrl,
          connectionParams: params,
          lazy: true,
        });
        currentKey = key;
        current = window.GraphiQL.createFetcher({ url: url, wsClient: client });
      }
      return current(graphQLParams, options);
    };
  }

  function explorerPlugins() {
    var explorer = window.GraphiQLPluginExplorer;
    return explorer && explorer.explorerPlugin ? [explorer.explorerPlugin()] : [];
  }

  function showNotice(container, text) {
    var notice = document.createElement("p");
    notice.className = "kotahub-notice";
    notice.textContent = text;
    container.replaceChildren(notice);
  }

  function graphiqlProps(config) {
    var url = new URL(config.endpoint, window.location.href).toString();
    var tabs = config.examples.map(exampleTab);
    var props = {
      fetcher: liveFetcher(url, websocketUrl(url)),
      shouldPersistHeaders: false,
      plugins: explorerPlugins(),
    };
    if (tabs.length > 0) {
      props.defaultQuery = tabs[0].query;
      props.defaultTabs = tabs;
      if (tabs[0].variables) {
        props.defaultEditorToolsVisibility = "variables";
      }
    }
    return props;
  }

  function render() {
    var container = document.getElementById(CONTAINER_ID);
    if (!container) {
      return;
    }
    if (!window.React || !window.ReactDOM || !window.GraphiQL) {
      showNotice(
        container,
        "GraphiQL could not be loaded: its assets are not installed on this server " +
          "(run `make assets`, they are fetched from npm at install time)."
      );
      return;
    }
    var props = graphiqlProps(readConfig());
    ReactDOM.createRoot(container).render(React.createElement(window.GraphiQL, props));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();
