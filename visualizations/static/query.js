/* The query page: YASGUI pointed at this server's /sparql, and the example gallery.
 *
 * Nothing here reaches another host: the endpoint is /sparql on the page's own origin,
 * the only autocompleter is the local one (variables; YASGUI's prefix, class and property
 * autocompleters would fetch prefix.cc and the LOV API), the endpoint catalogue is empty
 * and nothing is persisted in the browser. The examples come from the JSON block
 * <script type="application/json" id="examples"> and are inserted as text, never as HTML.
 */
(function () {
  "use strict";

  var ENDPOINT = new URL("/sparql", window.location.href).href;
  var LOCAL_AUTOCOMPLETERS = ["variables"];

  function readExamples() {
    var element = document.getElementById("examples");
    try {
      var examples = JSON.parse(element.textContent);
      return Array.isArray(examples) ? examples : [];
    } catch (error) {
      console.error("examples: not valid JSON", error);
      return [];
    }
  }

  function restrictToLocal(Yasgui) {
    // lodash merges arrays index by index, so a shorter list in the config would not remove
    // the defaults: replace them on the defaults themselves, before any editor exists
    var yasqeDefaults = Yasgui.Yasqe.defaults;
    yasqeDefaults.autocompleters = LOCAL_AUTOCOMPLETERS.slice();
    yasqeDefaults.prefixCcApi = "";
    yasqeDefaults.requestConfig.endpoint = ENDPOINT;
    yasqeDefaults.persistenceId = null;
    var defaults = Yasgui.defaults;
    defaults.yasqe.autocompleters = LOCAL_AUTOCOMPLETERS.slice();
    defaults.yasqe.prefixCcApi = "";
    defaults.yasqe.persistenceId = null;
    defaults.requestConfig.endpoint = ENDPOINT;
    defaults.endpointCatalogueOptions.getData = function () {
      return [];
    };
    defaults.persistenceId = null;
    defaults.populateFromUrl = false;
  }

  function createEditor(firstQuery) {
    var Yasgui = window.Yasgui;
    restrictToLocal(Yasgui);
    var yasgui = new Yasgui(document.getElementById("yasgui"), {
      requestConfig: { endpoint: ENDPOINT, method: "POST" },
      endpointCatalogueOptions: {
        getData: function () {
          return [];
        },
        keys: [],
      },
      copyEndpointOnNewTab: true,
      persistenceId: null,
      populateFromUrl: false,
      autofocus: false,
      yasqe: {
        autocompleters: LOCAL_AUTOCOMPLETERS.slice(),
        prefixCcApi: "",
        persistenceId: null,
        value: firstQuery,
        editorHeight: "340px",
      },
    });
    var tab = yasgui.getTab();
    if (tab && firstQuery) tab.setQuery(firstQuery);
    return yasgui;
  }

  function element(tag, className, text, lang) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    if (lang) node.lang = lang;
    return node;
  }

  function showExamples(examples, yasgui) {
    var list = document.getElementById("example-list");
    examples.forEach(function (example) {
      var item = element("li", "example");
      item.id = "example-" + example.id;
      item.appendChild(element("h3", "title-zh", example.title_zh, "zh-Hans"));
      item.appendChild(element("p", "title-en", example.title_en, "en"));
      item.appendChild(element("p", "description-zh", example.description_zh, "zh-Hans"));
      item.appendChild(element("p", "description-en", example.description_en, "en"));
      var button = element("button", "run", "载入并运行 · Load and run");
      button.type = "button";
      button.dataset.example = example.id;
      button.addEventListener("click", function () {
        var tab = yasgui.getTab();
        tab.setRequestConfig({ endpoint: ENDPOINT });
        tab.setQuery(example.query);
        var active = list.querySelector(".example.active");
        if (active) active.classList.remove("active");
        item.classList.add("active");
        tab.query().catch(function (error) {
          console.warn("query failed", error);
        });
      });
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  var examples = readExamples();
  var yasgui = createEditor(examples.length ? examples[0].query : "");
  showExamples(examples, yasgui);
  window.dutygraphQueryPage = { yasgui: yasgui, examples: examples, endpoint: ENDPOINT };
})();
