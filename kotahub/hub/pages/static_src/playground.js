/*
 * KotaHub playground: renders GraphiQL into #graphiql from the JSON config that
 * the page embeds in <script type="application/json" id="kotahub-playground-config">.
 * Loaded as a file (never inline) so the page works under a strict CSP.
 */
(function () {
  "use strict";

  var CONFIG_ID = "kotahub-playground-config";
  var CONTAINER_ID = "graphiql";

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

  function websocketUrl(httpUrl) {
    var url = new URL(httpUrl);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.hash = "";
    return url.toString();
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
      fetcher: window.GraphiQL.createFetcher({ url: url, subscriptionUrl: websocketUrl(url) }),
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
