/* /viz/document: the text section by section, every provision's words highlighted and linked
 * to the body that holds it.
 *
 * The server cut each article at every quote boundary (in code points, as the offsets count);
 * each piece names the duties whose quote covers it, the shortest first. A piece covered by
 * a quote becomes a link to that duty's actor, with a plain-text tooltip naming every duty
 * that covers it. Everything is inserted with textContent.
 */
(function () {
  "use strict";

  var dg = window.dutygraph;
  var data = dg.readJson("document-data") || { documents: [] };
  var root = document.getElementById("documents");
  var words = {
    unverified: { zh: "文件头未经核实：", en: "Header not verified: " },
    draft: { zh: "草稿：", en: "Draft: " },
    draftNote: {
      zh: "本文件的解读由 dutygraph ingest 按规则起草，未经人工审核；每条规定请对照原文核实。",
      en: "the reading of this document was drafted by rule (dutygraph ingest) and has not been reviewed by a person; check each provision against the text.",
    },
    article: { zh: "第{n}条", en: "Article {n}" },
  };

  function articleName(number) {
    return dg.pick(words.article).replace("{n}", number);
  }

  function tooltip(duties, ids) {
    return ids
      .map(function (id) {
        var duty = duties[id];
        return (
          dg.pick(duty.modality_label) + " · " + dg.pick(duty.actor_label) + "：" + dg.pick(duty.action) + " (" + id + ")"
        );
      })
      .join("\n");
  }

  function segment(piece, duties, anchored) {
    if (!piece.duties.length) return document.createTextNode(piece.text);
    var lead = duties[piece.duties[0]];
    var mark = dg.pageLink(piece.text, dg.link("body", { id: lead.actor }), "quote-mark modality-" + lead.modality + (lead.reading === "draft" ? " draft" : ""));
    mark.dataset.duties = piece.duties.join(" ");
    mark.dataset.actor = lead.actor;
    mark.title = tooltip(duties, piece.duties);
    piece.duties.forEach(function (id) {
      // the first piece of each quote is where #duty-<id> lands
      if (!anchored[id]) {
        anchored[id] = true;
        var target = dg.element("span", "duty-anchor");
        target.id = "duty-" + id;
        mark.prepend(target);
      }
    });
    return mark;
  }

  function showArticle(article, duties, anchored) {
    var block = dg.element("p", "article");
    block.id = "article-" + article.number;
    block.lang = "zh-Hans";
    article.segments.forEach(function (piece) {
      block.appendChild(segment(piece, duties, anchored));
    });
    return block;
  }

  function showDocument(documentData) {
    var section = dg.element("article", "document");
    section.id = "document-" + documentData.id;
    section.appendChild(dg.bilingualText("h1", "document-title", documentData.title));
    if (documentData.reading === "draft") {
      var draft = dg.element("p", "caveat draft-reading");
      draft.appendChild(dg.bilingualText("strong", null, words.draft));
      draft.appendChild(dg.bilingualText("span", null, words.draftNote));
      section.appendChild(draft);
    }
    var header = dg.element("div", "document-header");
    // the title lines and the preamble, its provisions marked like those of the articles
    var anchored = {};
    var front = dg.element("p", "header-text");
    front.id = "preamble";
    front.lang = "zh-Hans";
    documentData.header.segments.forEach(function (piece) {
      front.appendChild(segment(piece, documentData.duties, anchored));
    });
    header.appendChild(front);
    if (!documentData.header.verified) {
      var note = dg.element("p", "caveat");
      note.appendChild(dg.bilingualText("strong", null, words.unverified));
      note.appendChild(dg.bilingualText("span", null, documentData.header.note));
      header.appendChild(note);
    }
    section.appendChild(header);
    documentData.sections.forEach(function (part) {
      var block = dg.element("section", "text-section");
      block.id = "section-" + part.number;
      var heading = dg.element("h3", "section-heading", part.label);
      heading.lang = "zh-Hans";
      block.appendChild(heading);
      part.articles.forEach(function (article) {
        block.appendChild(showArticle(article, documentData.duties, anchored));
      });
      section.appendChild(block);
    });
    return section;
  }

  function showLegend() {
    var legend = document.getElementById("modality-legend");
    var counts = {};
    data.documents.forEach(function (documentData) {
      Object.keys(documentData.duties).forEach(function (id) {
        var duty = documentData.duties[id];
        counts[duty.modality] = counts[duty.modality] || { label: duty.modality_label, count: 0 };
        counts[duty.modality].count += 1;
      });
    });
    legend.textContent = "";
    Object.keys(counts).forEach(function (modality) {
      var item = dg.element("li", "legend-item");
      item.appendChild(dg.element("span", "quote-mark modality-" + modality, dg.pick(counts[modality].label)));
      item.appendChild(dg.element("span", "legend-count", counts[modality].count));
      legend.appendChild(item);
    });
  }

  function render() {
    var scrolled = window.location.hash;
    root.textContent = "";
    data.documents.forEach(function (documentData) {
      root.appendChild(showDocument(documentData));
    });
    showLegend();
    if (scrolled) {
      var target = document.getElementById(decodeURIComponent(scrolled.slice(1)));
      if (target) {
        target.scrollIntoView({ block: "center" });
        var mark = target.closest(".quote-mark");
        if (mark) mark.classList.add("targeted");
      }
    }
  }

  dg.onLanguage(render);
  dg.applyLanguage();
  document.body.dataset.state = "ready";
  window.dutygraphDocument = { data: data };
})();
