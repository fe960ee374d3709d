/* The graph pages (/viz/org, /viz/duties, /viz/body/{id}): vis-network over the data of the
 * graph-data block, with search, a plain-text tooltip, a side panel, filters and zh/en labels.
 *
 * Tooltips are strings (vis-network 9 shows a string title as text, never as HTML); the
 * panel, the legend and the lists are built with textContent. The layout settles once and
 * physics is then switched off, so the graph stops moving.
 */
(function () {
  "use strict";

  var dg = window.dutygraph;
  var data = dg.readJson("graph-data");
  var bodyData = dg.readJson("body-data");
  var page = document.body;
  var status = document.getElementById("status");
  var panel = document.getElementById("panel");
  var panelContent = document.getElementById("panel-content");
  var started = window.performance ? performance.now() : Date.now();
  // what the tests and the benchmark read (filled in below)
  var viz = (window.dutygraphViz = { settledAfterMs: null });
  var words = {
    layout: { zh: "正在布局…", en: "Laying out…" },
    shown: { zh: "显示", en: "Showing" },
    nodes: { zh: "个节点", en: "nodes" },
    duties: { zh: "条规定", en: "provisions" },
    of: { zh: "共", en: "of" },
    all: { zh: "全部", en: "all" },
    parent: { zh: "所属", en: "Part of" },
    held: { zh: "直接承担的规定", en: "Provisions held directly" },
    aliases: { zh: "别称", en: "Also called" },
    source: { zh: "原文", en: "Source" },
    actor: { zh: "承担主体", en: "Held by" },
    implied: { zh: "（据上下文推定）", en: " (implied by the context)" },
    article: { zh: "条目", en: "Article" },
    quote: { zh: "原话", en: "Quote" },
    levels: { zh: "适用层级", en: "Levels" },
    condition: { zh: "条件", en: "Condition" },
    servedBy: { zh: "相关规定", en: "Provisions" },
    bodyPage: { zh: "机构页面", en: "Body page" },
    api: { zh: "REST API", en: "REST API" },
    iri: { zh: "资源 IRI", en: "Resource IRI" },
    inText: { zh: "在原文中查看", en: "See it in the text" },
    showInGraph: { zh: "在图中定位", en: "Show in graph" },
    via: { zh: "经由", en: "via" },
    draft: { zh: "草稿：按规则起草，未经审校", en: "draft: drafted by rule, not reviewed" },
    parts: { zh: "内设机构与职务", en: "Units and posts" },
    noDuties: { zh: "原文没有给它规定职责。", en: "The text gives it no provision of its own." },
    noMatch: { zh: "没有匹配的节点", en: "No matching node" },
    members: { zh: "合并了", en: "Merged" },
    more: { zh: "等", en: "and more" },
    named: { zh: "提到它的原话", en: "Where it is named" },
    notNamed: { zh: "这份文件没有提到它，也没有给它规定职责。", en: "This document neither names it nor gives it a provision." },
    noDutiesHere: { zh: "这份文件没有给它规定职责。", en: "This document gives it no provision." },
    preamble: { zh: "序言", en: "Preamble" },
  };

  function say(key) {
    return dg.pick(words[key]);
  }

  function articleName(number) {
    if (number === 0) return say("preamble");
    return dg.state.lang === "zh" ? "第" + number + "条" : "Article " + number;
  }

  function inTextHref(documentId, dutyId) {
    return dg.link("document_in", { document: documentId }) + "#duty-" + encodeURIComponent(dutyId);
  }

  // -- the network -------------------------------------------------------------------------

  var lang = dg.state.lang;
  var nodes = new vis.DataSet(
    data.nodes.map(function (node) {
      return Object.assign({}, node, { label: node["label_" + lang], title: node["title_" + lang] });
    })
  );
  var edges = new vis.DataSet(
    data.edges.map(function (edge, index) {
      var shown = { id: "e" + index, title: edge["title_" + lang] };
      if (edge.label_zh) shown.label = edge["label_" + lang];
      return Object.assign({}, edge, shown);
    })
  );
  var container = document.getElementById("graph");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);

  function settled() {
    if (page.dataset.state === "ready") return;
    network.setOptions({ physics: { enabled: false } });
    page.dataset.state = "ready";
    // the layout fitted every node, hidden ones too: show what the filters leave
    if (filtersActive() || dg.state.document) network.fit({ nodes: visibleNodeIds(), animation: false });
    viz.settledAfterMs = Math.round((window.performance ? performance.now() : Date.now()) - started);
    viz.readyAtMs = window.performance ? Math.round(performance.now()) : null; // since navigation
    showCounts();
  }

  network.on("stabilizationProgress", function (progress) {
    status.textContent = say("layout") + " " + Math.round((100 * progress.iterations) / progress.total) + "%";
  });
  network.once("stabilizationIterationsDone", settled);
  network.once("stabilized", settled);

  // -- what is shown -------------------------------------------------------------------------

  function visibleNodeIds() {
    return nodes.get({ filter: (node) => !node.hidden }).map((node) => node.id);
  }

  function dutiesIn(node) {
    // a duty is one provision; a merged group of duties, as many as it holds
    if (node.node_type === "duty") return 1;
    return node.node_type === "group" && node.modality ? node.count : 0;
  }

  function showCounts() {
    showLegend();
    if (page.dataset.state !== "ready") return;
    var visible = visibleNodeIds();
    var duties = nodes.get({ filter: (node) => !node.hidden }).reduce((sum, node) => sum + dutiesIn(node), 0);
    var total = data.nodes
      .filter((node) => !dg.state.document || inDocument(node))
      .reduce((sum, node) => sum + dutiesIn(node), 0);
    var text = say("shown") + " " + visible.length + " " + say("nodes");
    if (total) text += " · " + duties + " / " + total + " " + say("duties");
    status.textContent = text;
  }

  // -- the side panel ------------------------------------------------------------------------

  var openNode = null;

  function row(list, key, value) {
    if (value === null || value === undefined || value === "") return;
    list.appendChild(dg.element("dt", null, say(key)));
    var cell = dg.element("dd");
    if (value instanceof Node) cell.appendChild(value);
    else cell.textContent = String(value);
    list.appendChild(cell);
  }

  function linkList(details) {
    var list = dg.element("ul", "panel-links");
    function add(key, href, external) {
      if (!href) return;
      var item = dg.element("li");
      item.appendChild(external ? dg.anchor(say(key), href) : dg.pageLink(say(key), href));
      list.appendChild(item);
    }
    if (details.agent) {
      add("bodyPage", dg.link("body", { id: details.agent }));
      add("api", dg.link("api_body", { id: details.agent }), true);
    }
    if (details.duty) {
      add("inText", inTextHref(details.document, details.duty));
      add("api", dg.link("api_duty", { id: details.duty }), true);
    }
    if (details.iri) add("iri", dg.resourceHref(details.iri), true);
    return list;
  }

  function showPanel(id) {
    var details = data.details[id];
    if (!details) return;
    openNode = id;
    var lang = dg.state.lang;
    var other = lang === "zh" ? "en" : "zh";
    panelContent.textContent = "";
    panelContent.appendChild(dg.element("p", "panel-kind", dg.pick(details.kind)));
    var title = dg.element("h2", "panel-title", dg.pick(details.label, lang));
    panelContent.appendChild(title);
    panelContent.appendChild(dg.element("p", "panel-other", dg.pick(details.label, other)));
    var facts = dg.element("dl", "panel-facts");
    if (details.type === "duty") {
      var actor = dg.element("span");
      actor.appendChild(dg.pageLink(dg.pick(details.actor.label), dg.link("body", { id: details.actor.id })));
      if (details.actor.implied) actor.appendChild(document.createTextNode(say("implied")));
      row(facts, "actor", actor);
      row(facts, "article", articleName(details.article));
      row(facts, "levels", details.levels.map((level) => dg.pick(level)).join(dg.state.lang === "zh" ? "、" : ", "));
      row(facts, "condition", dg.pick(details.condition));
      panelContent.appendChild(facts);
      var quote = dg.element("blockquote", "quote panel-quote", details.quote);
      quote.lang = "zh-Hans";
      panelContent.appendChild(quote);
    } else if (details.agent) {
      if (details.parent) {
        row(facts, "parent", dg.pageLink(dg.pick(details.parent.label), dg.link("body", { id: details.parent.id })));
      }
      row(facts, "held", details.duties);
      row(facts, "aliases", details.aliases.join(" · "));
      details.mentions.forEach(function (mention) {
        var where = dg.pick(mention.title) + " · " + articleName(mention.article);
        row(facts, "source", where + "：「" + mention.quote + "」");
      });
      panelContent.appendChild(facts);
    } else if (details.type === "group") {
      var listed = details.members.map((member) => dg.pick(member.label));
      if (details.count > listed.length) listed.push(say("more"));
      row(facts, "members", details.count + "：" + listed.join(dg.state.lang === "zh" ? "、" : ", "));
      panelContent.appendChild(facts);
    } else {
      row(facts, "servedBy", details.duties);
      panelContent.appendChild(facts);
    }
    panelContent.appendChild(linkList(details));
    panel.hidden = false;
    page.dataset.panel = id;
  }

  function hidePanel() {
    openNode = null;
    panel.hidden = true;
    delete page.dataset.panel;
  }

  document.getElementById("panel-close").addEventListener("click", function () {
    network.unselectAll();
    hidePanel();
  });

  network.on("click", function (event) {
    if (event.nodes.length) showPanel(event.nodes[0]);
    else hidePanel();
  });

  function focusNode(id) {
    if (!nodes.get(id)) return false;
    network.selectNodes([id]);
    network.focus(id, {
      scale: Math.max(network.getScale(), 1.1),
      animation: { duration: 300, easingFunction: "easeInOutQuad" },
    });
    showPanel(id);
    page.dataset.focused = id;
    return true;
  }

  // -- search --------------------------------------------------------------------------------

  var input = document.getElementById("search");
  var results = document.getElementById("search-results");

  function normalise(text) {
    return String(text || "")
      .normalize("NFKC")
      .toLowerCase()
      .trim();
  }

  var searchable = data.nodes.map(function (node) {
    var aliases = (data.details[node.id] && data.details[node.id].aliases) || [];
    return { id: node.id, text: normalise([node.label_zh, node.label_en, node.title_zh, node.title_en].concat(aliases).join("\n")), label: normalise(node.label_zh + "\n" + node.label_en) };
  });

  function matches(query) {
    var needle = normalise(query);
    if (!needle) return [];
    var shown = {};
    visibleNodeIds().forEach((id) => (shown[id] = true));
    var hits = searchable.filter((entry) => shown[entry.id] && entry.text.indexOf(needle) >= 0);
    // a match in the label itself first, then shorter labels (the closest), then by id
    hits.sort(function (a, b) {
      var inLabel = (b.label.indexOf(needle) >= 0) - (a.label.indexOf(needle) >= 0);
      return inLabel || a.label.length - b.label.length || (a.id < b.id ? -1 : 1);
    });
    return hits.map((entry) => entry.id);
  }

  function showMatches() {
    results.textContent = "";
    var query = input.value;
    if (!normalise(query)) return;
    var found = matches(query);
    if (!found.length) {
      results.appendChild(dg.element("li", "no-match", say("noMatch")));
      return;
    }
    found.slice(0, 12).forEach(function (id) {
      var node = nodes.get(id);
      var item = dg.element("li");
      var button = dg.element("button", "search-hit", node["label_" + dg.state.lang]);
      button.type = "button";
      button.dataset.node = id;
      button.title = node["title_" + dg.state.lang];
      button.addEventListener("click", function () {
        focusNode(id);
      });
      item.appendChild(button);
      results.appendChild(item);
    });
  }

  input.addEventListener("input", showMatches);
  input.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    event.preventDefault();
    var found = matches(input.value);
    if (found.length) focusNode(found[0]);
  });

  // -- legend --------------------------------------------------------------------------------

  function showLegend() {
    var legend = document.getElementById("legend");
    legend.textContent = "";
    data.legend.forEach(function (entry) {
      // what the picker and the filters leave on the canvas
      var count = (entry.nodes || []).filter((id) => !(nodes.get(id) || {}).hidden).length;
      if (!count) return;
      var item = dg.element("li", "legend-item");
      var swatch = dg.element("span", "swatch shape-" + entry.shape);
      swatch.style.backgroundColor = entry.color;
      item.appendChild(swatch);
      item.appendChild(dg.element("span", "legend-label", dg.pick(entry.label)));
      item.appendChild(dg.element("span", "legend-count", count));
      legend.appendChild(item);
    });
  }

  // -- filters (the duties page) -------------------------------------------------------------

  var filters = data.filters ? ["modality", "level", "article"] : [];
  var neighbours = {};
  data.edges.forEach(function (edge) {
    (neighbours[edge.from] = neighbours[edge.from] || []).push(edge.to);
    (neighbours[edge.to] = neighbours[edge.to] || []).push(edge.from);
  });

  function chosen() {
    var values = {};
    filters.forEach(function (name) {
      values[name] = document.getElementById("filter-" + name).value;
    });
    return values;
  }

  function filtersActive() {
    var values = chosen();
    return filters.some((name) => values[name]);
  }

  function inDocument(item) {
    // the picker's choice: a node or edge belongs to the documents it names
    var chosenDocument = dg.state.document;
    return !chosenDocument || !item.documents || item.documents.indexOf(chosenDocument) >= 0;
  }

  function isDutyLike(node) {
    return node.node_type === "duty" || (node.node_type === "group" && !!node.modality);
  }

  function dutyMatches(node, values) {
    var articles = node.articles || [node.article];
    return (
      inDocument(node) &&
      (!values.modality || node.modality === values.modality) &&
      (!values.level || (node.levels || []).indexOf(values.level) >= 0) &&
      (!values.article || articles.map(String).indexOf(values.article) >= 0)
    );
  }

  function showDocumentOnly(fit) {
    // the org graph and a body's: what the chosen document names, and the relations it states
    nodes.update(
      data.nodes.map((node) => ({ id: node.id, hidden: node.id !== data.centre && !inDocument(node) }))
    );
    edges.update(edges.get().map((edge) => ({ id: edge.id, hidden: !inDocument(edge) })));
    page.dataset.document = dg.state.document || "";
    if (fit && page.dataset.state === "ready") network.fit({ nodes: visibleNodeIds(), animation: false });
    showCounts();
    showMatches();
  }

  function applyFilters(fit) {
    var values = chosen();
    var shownDuties = {};
    data.nodes.forEach(function (node) {
      if (isDutyLike(node) && dutyMatches(node, values)) shownDuties[node.id] = true;
    });
    var changes = data.nodes.map(function (node) {
      var visible = isDutyLike(node)
        ? !!shownDuties[node.id]
        : (neighbours[node.id] || []).some((other) => shownDuties[other]);
      return { id: node.id, hidden: !visible };
    });
    nodes.update(changes);
    edges.update(edges.get().map((edge) => ({ id: edge.id, hidden: !inDocument(edge) })));
    page.dataset.document = dg.state.document || "";
    var url = new URL(window.location.href);
    filters.forEach(function (name) {
      if (values[name]) url.searchParams.set(name, values[name]);
      else url.searchParams.delete(name);
    });
    try {
      window.history.replaceState(null, "", url.href);
    } catch (error) {
      // file:// addresses may not be rewritten; the filters still apply
    }
    page.dataset.filters = JSON.stringify(values);
    if (fit) network.fit({ nodes: visibleNodeIds(), animation: false });
    showCounts();
    showMatches();
  }

  function fillFilters() {
    var params = new URLSearchParams(window.location.search);
    filters.forEach(function (name) {
      var select = document.getElementById("filter-" + name);
      var current = select.value || params.get(name) || "";
      select.textContent = "";
      var all = dg.element("option", null, say("all"));
      all.value = "";
      select.appendChild(all);
      data.filters[name].forEach(function (choice) {
        var count = dg.state.document ? choice.by_document[dg.state.document] || 0 : choice.count;
        if (dg.state.document && !count) return; // nothing of this choice in the chosen document
        var option = dg.element("option", null, dg.pick(choice.label) + " (" + count + ")");
        option.value = choice.value;
        select.appendChild(option);
      });
      select.value = current;
      if (select.value !== current) select.value = "";
    });
  }

  if (filters.length) {
    fillFilters();
    filters.forEach(function (name) {
      document.getElementById("filter-" + name).addEventListener("change", function () {
        applyFilters(true);
      });
    });
    document.getElementById("filters").addEventListener("reset", function () {
      window.setTimeout(function () {
        applyFilters(true);
      }, 0);
    });
    applyFilters(false);
  } else {
    showDocumentOnly(false);
  }

  dg.onDocument(function () {
    if (filters.length) {
      fillFilters();
      applyFilters(true);
    } else {
      showDocumentOnly(true);
    }
    showBody();
  });

  // -- the body page: its kind, parts and duties ---------------------------------------------

  function dutyItem(duty) {
    var item = dg.element("li", "duty modality-" + duty.modality);
    item.id = "duty-" + duty.id;
    var head = dg.element("p", "duty-head");
    head.appendChild(dg.element("span", "badge modality-" + duty.modality, dg.pick(duty.modality_label)));
    head.appendChild(dg.element("span", "duty-action", dg.pick(duty.action)));
    if (duty.reading === "draft") head.appendChild(dg.element("span", "badge draft", say("draft")));
    if (duty.via) {
      head.appendChild(document.createTextNode(" · " + say("via") + " "));
      head.appendChild(dg.pageLink(dg.pick(duty.via.label), dg.link("body", { id: duty.via.id })));
    }
    item.appendChild(head);
    var quote = dg.element("blockquote", "quote", duty.quote);
    quote.lang = "zh-Hans";
    item.appendChild(quote);
    var meta = dg.element("p", "duty-meta");
    meta.appendChild(dg.pageLink(articleName(duty.article), inTextHref(duty.document, duty.id)));
    var levels = duty.levels.map((level) => dg.pick(level)).join(dg.state.lang === "zh" ? "、" : ", ");
    if (levels) meta.appendChild(document.createTextNode(" · " + say("levels") + ": " + levels));
    var condition = dg.pick(duty.condition);
    if (condition) meta.appendChild(document.createTextNode(" · " + say("condition") + ": " + condition));
    meta.appendChild(document.createTextNode(" · "));
    meta.appendChild(dg.anchor("API", dg.link("api_duty", { id: duty.id })));
    if (nodes.get("duty/" + duty.id)) {
      var show = dg.element("button", "show-in-graph", say("showInGraph"));
      show.type = "button";
      show.addEventListener("click", function () {
        focusNode("duty/" + duty.id);
        container.scrollIntoView({ block: "center" });
      });
      meta.appendChild(document.createTextNode(" · "));
      meta.appendChild(show);
    }
    item.appendChild(meta);
    return item;
  }

  function dutyGroup(entry, byId, mentions) {
    // one document: its title, where it names the body, then what it gives the body to do
    var group = dg.element("section", "duty-group");
    group.dataset.document = entry.document;
    var heading = dg.element("h3", "duty-group-title");
    heading.appendChild(
      dg.pageLink(dg.pick(entry.title), dg.link("document_in", { document: entry.document }))
    );
    heading.appendChild(dg.element("span", "duty-count", " (" + entry.duties.length + ")"));
    group.appendChild(heading);
    var named = mentions.filter((mention) => mention.document === entry.document);
    if (named.length) {
      var where = dg.element("ul", "mentions");
      named.forEach(function (mention) {
        var item = dg.element("li", "mention");
        item.appendChild(dg.element("span", "mention-label", say("named") + " · "));
        var place = mention.article ? "#article-" + mention.article : "#preamble";
        var where_ = dg.link("document_in", { document: entry.document }) + place;
        item.appendChild(dg.pageLink(articleName(mention.article), where_));
        var words = dg.element("q", "mention-quote", mention.quote);
        words.lang = "zh-Hans";
        item.appendChild(document.createTextNode(" "));
        item.appendChild(words);
        where.appendChild(item);
      });
      group.appendChild(where);
    }
    var list = dg.element("ol", "duty-list");
    if (!entry.duties.length) list.appendChild(dg.element("li", "no-duties", say("noDutiesHere")));
    entry.duties.forEach((id) => list.appendChild(dutyItem(byId[id])));
    group.appendChild(list);
    return group;
  }

  function showBody() {
    if (!bodyData) return;
    var summary = bodyData.body;
    document.getElementById("body-kind").textContent = dg.pick(summary.kind) + " · " + summary.id;
    var parts = document.getElementById("body-parts");
    parts.textContent = "";
    if (summary.parts.length) {
      parts.appendChild(dg.element("span", "parts-label", say("parts") + "："));
      summary.parts.forEach(function (part) {
        parts.appendChild(dg.pageLink(dg.pick(part.label), dg.link("body", { id: part.id }), "part"));
      });
    }
    var byId = {};
    bodyData.duties.forEach((duty) => (byId[duty.id] = duty));
    var shown = bodyData.documents.filter((entry) => !dg.state.document || entry.document === dg.state.document);
    var count = shown.reduce((sum, entry) => sum + entry.duties.length, 0);
    document.getElementById("duty-count").textContent = "(" + count + ")";
    var list = document.getElementById("duty-list");
    list.textContent = "";
    if (!bodyData.duties.length && !dg.state.document) list.appendChild(dg.element("p", "no-duties", say("noDuties")));
    if (dg.state.document && !shown.length) list.appendChild(dg.element("p", "no-duties", say("notNamed")));
    shown.forEach((entry) => list.appendChild(dutyGroup(entry, byId, summary.mentions)));
  }

  // -- language ------------------------------------------------------------------------------

  function relabel(lang) {
    nodes.update(
      data.nodes.map(function (node) {
        return { id: node.id, label: node["label_" + lang], title: node["title_" + lang] };
      })
    );
    edges.update(
      edges.get().map(function (edge) {
        var shown = { id: edge.id, title: edge["title_" + lang] };
        if (edge.label_zh) shown.label = edge["label_" + lang];
        return shown;
      })
    );
    showLegend();
    if (filters.length) fillFilters();
    showCounts();
    showMatches();
    showBody();
    if (openNode) showPanel(openNode);
  }

  dg.onLanguage(relabel);
  dg.applyLanguage();
  if (data.centre) {
    network.selectNodes([data.centre]);
  }

  Object.assign(viz, {
    network: network,
    nodes: nodes,
    edges: edges,
    data: data,
    focusNode: focusNode,
    showPanel: showPanel,
    visibleNodeIds: visibleNodeIds,
    matches: matches,
    applyFilters: applyFilters,
    redraw: function () {
      network.redraw();
    },
  });
})();
