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

  var pageData = readJson("page-data") || { links: {}, documents: [] };
  pageData.documents = pageData.documents || [];

  function knownDocument(id) {
    return pageData.documents.some((entry) => entry.id === id);
  }

  // the chosen document (null: all). A page holding every document's data (`local`) also
  // takes it from the address, which is how an exported file is opened for one document
  state.document = pageData.document || null;
  var asked = new URLSearchParams(window.location.search).get("document");
  if (pageData.local && asked && knownDocument(asked)) state.document = asked;

  function link(name, values) {
    // a page that has a version per document links to the chosen document's
    values = Object.assign({}, values || {});
    if (state.document && values.document === undefined && pageData.links[name + "_in"]) {
      name = name + "_in";
      values.document = state.document;
    }
    var template = pageData.links[name];
    if (!template) return null;
    var href = template;
    Object.keys(values).forEach(function (key) {
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

  // -- the document picker -------------------------------------------------------------------

  var documentListeners = [];
  var pickerWords = { all: { zh: "全部文件", en: "All documents" } };

  function onDocument(listener) {
    documentListeners.push(listener);
  }

  function withDocument(href, id) {
    var url = new URL(href, window.location.href);
    if (id) url.searchParams.set("document", id);
    else url.searchParams.delete("document");
    return url.href;
  }

  function refreshLinks() {
    // the links the server wrote for the document it was asked for follow the new choice
    document.querySelectorAll("a[data-link]").forEach(function (anchor) {
      var href = link(anchor.dataset.link, anchor.dataset.id ? { id: anchor.dataset.id } : {});
      if (href) anchor.setAttribute("href", href);
    });
    document.querySelectorAll("#document-picker a[data-document]").forEach(function (anchor) {
      if ((anchor.dataset.document || null) === state.document) anchor.setAttribute("aria-current", "page");
      else anchor.removeAttribute("aria-current");
    });
    applyLanguage();
  }

  function chooseDocument(id) {
    id = id || null;
    if (id && !knownDocument(id)) return;
    if (pageData.local && documentListeners.length) {
      // the page has every document's data: show the chosen one's without asking the server
      state.document = id;
      try {
        window.history.replaceState(null, "", withDocument(window.location.href, id));
      } catch (error) {
        // some browsers refuse to rewrite file:// addresses; the page still switches
      }
      var select = document.getElementById("document-select");
      if (select) select.value = id || "";
      documentListeners.forEach(function (listener) {
        listener(id);
      });
      refreshLinks();
      return;
    }
    var entry = pageData.documents.find((candidate) => candidate.id === id);
    var href = id ? entry && entry.href : pageData.all;
    if (href) window.location.assign(withLanguage(href, state.lang));
  }

  function fillPicker() {
    var picker = document.getElementById("document-picker");
    if (!picker || !pageData.documents.length) return;
    var select = document.getElementById("document-select");
    if (!select) {
      select = element("select", "document-select");
      select.id = "document-select";
      select.setAttribute("aria-labelledby", "picker-label");
      select.addEventListener("change", function () {
        chooseDocument(select.value);
      });
      picker.insertBefore(select, picker.querySelector(".picker-links"));
      picker.classList.add("enhanced");
    }
    select.textContent = "";
    var all = element("option", null, pick(pickerWords.all));
    all.value = "";
    select.appendChild(all);
    pageData.documents.forEach(function (entry) {
      var option = element("option", null, pick(entry.title));
      option.value = entry.id;
      select.appendChild(option);
    });
    select.value = state.document || "";
  }

  function followOldDutyLink() {
    // /viz/document#duty-{doc}/{local} (before there was a page per document): the duty's document
    var hash = decodeURIComponent(window.location.hash.slice(1));
    if (hash.indexOf("duty-") !== 0) return false;
    var entry = pageData.documents.find((candidate) => candidate.id === hash.slice(5).split("/")[0]);
    if (!entry || !entry.href) return false;
    window.location.replace(withLanguage(entry.href, state.lang) + window.location.hash);
    return true;
  }

  onLanguage(fillPicker);

  // pages with no script of their own (the index, a 404) are ready once the language is set
  var TEXT_PAGES = ["index", "not-found", "documents"];

  document.addEventListener("DOMContentLoaded", function () {
    if (document.body.dataset.page === "documents" && followOldDutyLink()) return;
    if (state.document !== (pageData.document || null)) refreshLinks();
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
    onDocument: onDocument,
    chooseDocument: chooseDocument,
  };
})();
