/* What every page under /viz shares: reading the JSON data blocks, the zh/en switch, links.
 *
 * Data reaches the page only as JSON in <script type="application/json"> elements and is
 * inserted with textContent, never parsed as HTML. Links are built from URL templates the server
 * chose (`links` in the page-data block): paths on the server, or relative file names in an
 * exported copy; ids are URL-encoded.
 */
(function () {
  "use strict";

  var LANGUAGES = ["zh", "en"];

  function readJson(id) {
    var element = document.getElementById(id);
    if (!element) return null;
    try {
      return JSON.parse(element.textContent);
    } catch (error) {
      console.error(id + ": not valid JSON", error);
      return null;
    }
  }

  function requestedLanguage() {
    var lang = new URLSearchParams(window.location.search).get("lang");
    return LANGUAGES.indexOf(lang) >= 0 ? lang : "zh";
  }

  var listeners = [];
  var state = { lang: requestedLanguage() };

  function withLanguage(href, lang) {
    var url = new URL(href, window.location.href);
    if (lang === "zh") url.searchParams.delete("lang");
    else url.searchParams.set("lang", lang);
    return url.href;
  }

  function applyLanguage() {
    var lang = state.lang;
    document.documentElement.dataset.lang = lang;
    document.documentElement.lang = lang === "zh" ? "zh-Hans" : "en";
    document.querySelectorAll("a.keeps-lang").forEach(function (link) {
      link.href = withLanguage(link.getAttribute("href"), lang);
    });
    listeners.forEach(function (listener) {
      listener(lang);
    });
  }

  function setLanguage(lang) {
    if (LANGUAGES.indexOf(lang) < 0 || lang === state.lang) return;
    state.lang = lang;
    try {
      // keep the choice in the address, so that reloading or sharing the page keeps it
      window.history.replaceState(null, "", withLanguage(window.location.href, lang));
    } catch (error) {
      // some browsers refuse to rewrite file:// addresses; the page still switches
    }
    applyLanguage();
  }

  function onLanguage(listener) {
    listeners.push(listener);
  }

  function pick(bilingual, lang) {
    if (bilingual === null || bilingual === undefined) return "";
    if (typeof bilingual === "string") return bilingual;
    return bilingual[lang || state.lang] || bilingual.zh || bilingual.en || "";
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function bilingualText(tag, className, bilingual) {
    // one element per language; CSS shows the one of the page's language
    var node = element(tag, className);
    LANGUAGES.forEach(function (lang) {
      var part = element("span", lang, pick(bilingual, lang));
      part.lang = lang === "zh" ? "zh-Hans" : "en";
      node.appendChild(part);
    });
    return node;
  }

  var pageData = readJson("page-data") || { links: {} };

  function link(name, values) {
    var template = pageData.links[name];
    if (!template) return null;
    var href = template;
    Object.keys(values || {}).forEach(function (key) {
      var value = String(values[key]);
      // an IRI path keeps its slashes; every other id is one path segment
      var encoded = key === "path" ? value.split("/").map(encodeURIComponent).join("/") : encodeURIComponent(value);
      href = href.split("{" + key + "}").join(encoded);
    });
    return href;
  }

  function anchor(text, href, className) {
    var node = element("a", className, text);
    node.href = href;
    return node;
  }

  function pageLink(text, href, className) {
    // a link to another of our pages keeps the language (applyLanguage updates it on a switch)
    return anchor(text, withLanguage(href, state.lang), (className ? className + " " : "") + "keeps-lang");
  }

  function resourceHref(iri) {
    // the server answers for its IRIs by path: …/id/<path> at /id/<path>, terms at /ontology
    var marker = "/id/";
    var at = iri.indexOf(marker);
    if (at >= 0) return link("resource", { path: iri.slice(at + marker.length) });
    return link("ontology", {});
  }

  // pages with no script of their own (the index, a 404) are ready once the language is set
  var TEXT_PAGES = ["index", "not-found"];

  document.addEventListener("DOMContentLoaded", function () {
    if (TEXT_PAGES.indexOf(document.body.dataset.page) >= 0) {
      applyLanguage();
      document.body.dataset.state = "ready";
    }
    var toggle = document.getElementById("lang-toggle");
    if (toggle) {
      toggle.addEventListener("click", function () {
        setLanguage(state.lang === "zh" ? "en" : "zh");
      });
    }
  });

  window.dutygraph = {
    readJson: readJson,
    pageData: pageData,
    state: state,
    setLanguage: setLanguage,
    applyLanguage: applyLanguage,
    onLanguage: onLanguage,
    pick: pick,
    element: element,
    bilingualText: bilingualText,
    link: link,
    anchor: anchor,
    pageLink: pageLink,
    resourceHref: resourceHref,
    withLanguage: withLanguage,
  };
})();
