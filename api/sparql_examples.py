"""A gallery of SPARQL queries that answer real questions about the documents.

Each example is a question a reader of the documents asks (who approves major matters?
what holds at county level? what are the steps of article 10? which bodies do both
documents name?), written against the model
of `ontology/MODEL.md`. Every query declares its prefixes, so it can be pasted into any
SPARQL tool; all of them run on pyoxigraph against the packaged build (with the union of
the named graphs as default graph, as `/sparql` serves it). The query page `/query` shows
them beside the editor.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

from dutygraph.ontology.namespaces import DEFAULT_DATA_NAMESPACE, DEFAULT_ONTOLOGY_NAMESPACE, Namespaces

PREFIXES = {
    "dg": DEFAULT_ONTOLOGY_NAMESPACE,
    "body": DEFAULT_DATA_NAMESPACE + "body/",
    # the four functions of 党管人才 are the first document's concepts
    "function": DEFAULT_DATA_NAMESPACE + "document/party-talent-work-opinion/function/",
    "org": "http://www.w3.org/ns/org#",
    "odrl": "http://www.w3.org/ns/odrl/2/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "oa": "http://www.w3.org/ns/oa#",
    "prov": "http://www.w3.org/ns/prov#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dcterms": "http://purl.org/dc/terms/",
}


@dataclass(frozen=True)
class SparqlExample:
    id: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    query: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _query(body: str) -> str:
    """The body with a PREFIX line for each prefix it uses, in a fixed order."""
    body = body.strip()
    used = [p for p in PREFIXES if re.search(rf"(?<![\w:/#-]){p}:", body)]
    head = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in used)
    return f"{head}\n{body}\n"


# A provision's quote: dg:source → oa:hasSelector (quote and position selectors).
_QUOTE = """
  ?duty dg:source ?source .
  ?source oa:hasSelector ?quoteSelector, ?positionSelector .
  ?quoteSelector a oa:TextQuoteSelector ; oa:exact ?quote .
  ?positionSelector a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end ."""

EXAMPLES: tuple[SparqlExample, ...] = (
    SparqlExample(
        id="who-approves",
        title_zh="谁审定重大事项？",
        title_en="Who approves major matters?",
        description_zh="动作为“审定”的规定：承担者、对象、条件和原文。",
        description_en="Provisions whose action is 审定 (approve): actor, object, condition and the quote.",
        query=_query(
            """
SELECT ?duty ?actor ?actorLabel ?object ?conditionLabel ?quote ?start ?end
WHERE {
  ?duty a dg:Provision ;
        odrl:action ?action ;
        odrl:assignee ?actor .
  ?action skos:prefLabel "审定"@zh .
  ?actor skos:prefLabel ?actorLabel . FILTER (lang(?actorLabel) = "zh")
  OPTIONAL { ?duty dg:object ?object . FILTER (lang(?object) = "zh") }
  OPTIONAL {
    ?duty dg:condition ?condition .
    ?condition skos:prefLabel ?conditionLabel . FILTER (lang(?conditionLabel) = "zh")
  }"""
            + _QUOTE
            + """
}
ORDER BY ?start"""
        ),
    ),
    SparqlExample(
        id="modality-counts",
        title_zh="义务、许可与鼓励各有多少？",
        title_en="Obligations, permissions, encouragements: how many?",
        description_zh="按规范类型（义务 / 许可 / 鼓励）统计规定数量。",
        description_en="Count the provisions by modality (obligation / permission / encouragement).",
        query=_query(
            """
SELECT ?modality ?label_zh ?label_en (COUNT(DISTINCT ?duty) AS ?provisions)
WHERE {
  ?duty a dg:Provision ;
        dg:modality ?modality .
  ?modality skos:prefLabel ?label_zh, ?label_en .
  FILTER (lang(?label_zh) = "zh" && lang(?label_en) = "en")
}
GROUP BY ?modality ?label_zh ?label_en
ORDER BY DESC(?provisions)"""
        ),
    ),
    SparqlExample(
        id="county-level",
        title_zh="县级要做什么？",
        title_en="What applies at county level?",
        description_zh="适用于县级的全部规定（含“县级以上”），连同其条件。",
        description_en="Every provision that holds at county level (县级以上 included), with its conditions.",
        query=_query(
            """
SELECT ?duty ?actorLabel ?modality ?object
       (GROUP_CONCAT(DISTINCT ?levelLabel; separator=" / ") AS ?levels)
       (GROUP_CONCAT(DISTINCT ?conditionLabel; separator=" / ") AS ?conditions)
WHERE {
  ?duty a dg:Provision ;
        dg:appliesAtLevel dg:county ;
        dg:appliesAtLevel ?level ;
        dg:modality ?modality ;
        odrl:assignee ?actor .
  ?level skos:prefLabel ?levelLabel . FILTER (lang(?levelLabel) = "zh")
  ?actor skos:prefLabel ?actorLabel . FILTER (lang(?actorLabel) = "zh")
  OPTIONAL { ?duty dg:object ?object . FILTER (lang(?object) = "zh") }
  OPTIONAL {
    ?duty dg:condition ?condition .
    ?condition skos:prefLabel ?conditionLabel . FILTER (lang(?conditionLabel) = "zh")
  }
}
GROUP BY ?duty ?actorLabel ?modality ?object
ORDER BY ?duty"""
        ),
    ),
    SparqlExample(
        id="article-10-procedure",
        title_zh="第十条的决策程序",
        title_en="The decision procedure of article 10",
        description_zh="科学决策机制的步骤，按顺序：谁做什么。",
        description_en="The steps of the decision-making mechanism, in order: who does what.",
        query=_query(
            """
SELECT ?mechanismLabel ?order ?actorLabel ?actorImplied ?actionLabel ?object
WHERE {
  ?mechanism a dg:Mechanism ;
             dg:article ?article ;
             skos:prefLabel ?mechanismLabel ;
             dg:step ?step .
  ?article eli:number "10" .
  FILTER (lang(?mechanismLabel) = "zh")
  ?step dg:order ?order ;
        dg:actor ?actor ;
        odrl:action ?action .
  ?actor skos:prefLabel ?actorLabel . FILTER (lang(?actorLabel) = "zh")
  ?action skos:prefLabel ?actionLabel . FILTER (lang(?actionLabel) = "zh")
  OPTIONAL { ?step dg:actorImplied ?actorImplied }
  OPTIONAL { ?step dg:object ?object . FILTER (lang(?object) = "zh") }
}
ORDER BY ?order"""
        ),
    ),
    SparqlExample(
        id="busiest-bodies",
        title_zh="哪些主体承担的规定最多？",
        title_en="Which bodies carry the most provisions?",
        description_zh="按承担者统计规定数量，分出义务、许可、鼓励。",
        description_en="Provisions per actor, split into obligations, permissions and encouragements.",
        query=_query(
            """
SELECT ?actor ?label_zh ?label_en (COUNT(?duty) AS ?provisions)
       (SUM(IF(?modality = dg:obligation, 1, 0)) AS ?obligations)
       (SUM(IF(?modality = dg:permission, 1, 0)) AS ?permissions)
       (SUM(IF(?modality = dg:encouragement, 1, 0)) AS ?encouragements)
WHERE {
  ?duty a dg:Provision ;
        odrl:assignee ?actor ;
        dg:modality ?modality .
  ?actor skos:prefLabel ?label_zh, ?label_en .
  FILTER (lang(?label_zh) = "zh" && lang(?label_en) = "en")
}
GROUP BY ?actor ?label_zh ?label_en
ORDER BY DESC(?provisions) ?actor
LIMIT 15"""
        ),
    ),
    SparqlExample(
        id="conditional-duties",
        title_zh="附条件的规定",
        title_en="Provisions that hold under a condition",
        description_zh="只在某种情形下成立的规定：条件、承担者和原文。",
        description_en="Provisions that hold only under a condition: the condition, the actor and the quote.",
        query=_query(
            """
SELECT ?duty ?conditionLabel ?conditionLabel_en ?actorLabel ?modality ?quote
WHERE {
  ?duty a dg:Provision ;
        dg:condition ?condition ;
        dg:modality ?modality ;
        odrl:assignee ?actor .
  ?condition skos:prefLabel ?conditionLabel, ?conditionLabel_en .
  FILTER (lang(?conditionLabel) = "zh" && lang(?conditionLabel_en) = "en")
  ?actor skos:prefLabel ?actorLabel . FILTER (lang(?actorLabel) = "zh")
  ?duty dg:source/oa:hasSelector ?selector .
  ?selector a oa:TextQuoteSelector ; oa:exact ?quote .
}
ORDER BY ?duty ?condition"""
        ),
    ),
    SparqlExample(
        id="exact-quote",
        title_zh="答案背后的原文",
        title_en="The exact words behind an answer",
        description_zh="每条规定的原文、前后文、字符位置和所在句子（偏移量指向清洗后的全文）。",
        description_en=(
            "Each provision's quote, its context, character offsets into the cleaned text "
            "and the sentence it comes from."
        ),
        query=_query(
            """
SELECT ?document ?duty ?prefix ?quote ?suffix ?start ?end ?sentence
WHERE {
  ?duty a dg:Provision ;
        dg:source ?source .
  ?source oa:hasSource ?document ;
          oa:hasSelector ?quoteSelector, ?positionSelector .
  ?quoteSelector a oa:TextQuoteSelector ;
                 oa:exact ?quote ; oa:prefix ?prefix ; oa:suffix ?suffix .
  ?positionSelector a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
  OPTIONAL { ?duty prov:wasDerivedFrom ?sentence }
}
ORDER BY ?document ?start
LIMIT 50"""
        ),
    ),
    SparqlExample(
        id="leading-group-composition",
        title_zh="人才工作领导小组由谁组成？",
        title_en="Who makes up the talent work leading group?",
        description_zh="第五条：谁担任组长、副组长、成员，按条件分列（依职务任职）。",
        description_en="Article 5: who serves as head, deputy head and member, per condition (ex officio).",
        query=_query(
            """
SELECT ?appointment ?conditionLabel ?postLabel
       (GROUP_CONCAT(DISTINCT ?holderLabel; separator=" 或 ") AS ?heldBy) ?quote
WHERE {
  ?appointment a dg:ExOfficioAppointment ;
               dg:appointedTo ?post ;
               dg:holder ?holder .
  ?post skos:prefLabel ?postLabel . FILTER (lang(?postLabel) = "zh")
  ?holder skos:prefLabel ?holderLabel . FILTER (lang(?holderLabel) = "zh")
  OPTIONAL {
    ?appointment dg:condition ?condition .
    ?condition skos:prefLabel ?conditionLabel . FILTER (lang(?conditionLabel) = "zh")
  }
  ?appointment dg:source/oa:hasSelector ?selector .
  ?selector a oa:TextQuoteSelector ; oa:exact ?quote .
}
GROUP BY ?appointment ?conditionLabel ?postLabel ?quote
ORDER BY ?conditionLabel ?postLabel"""
        ),
    ),
    SparqlExample(
        id="encouragements",
        title_zh="鼓励什么、鼓励谁？",
        title_en="What is encouraged, and whom?",
        description_zh="全部鼓励性规定：谁被鼓励（或引导、支持）、由谁鼓励、做什么。",
        description_en="Every encouragement: who is encouraged (or guided, supported), by whom, to do what.",
        query=_query(
            """
SELECT ?duty ?encouragedLabel ?assignerLabel ?actionLabel ?object ?quote
WHERE {
  ?duty a dg:Provision ;
        dg:modality dg:encouragement ;
        odrl:assignee ?encouraged ;
        odrl:action ?action .
  ?encouraged skos:prefLabel ?encouragedLabel . FILTER (lang(?encouragedLabel) = "zh")
  ?action skos:prefLabel ?actionLabel . FILTER (lang(?actionLabel) = "zh")
  OPTIONAL {
    ?duty odrl:assigner ?assigner .
    ?assigner skos:prefLabel ?assignerLabel . FILTER (lang(?assignerLabel) = "zh")
  }
  OPTIONAL { ?duty dg:object ?object . FILTER (lang(?object) = "zh") }
  ?duty dg:source/oa:hasSelector ?selector .
  ?selector a oa:TextQuoteSelector ; oa:exact ?quote .
}
ORDER BY ?duty"""
        ),
    ),
    SparqlExample(
        id="organization-department-central-provincial",
        title_zh="中央和省级组织部门的重点工作",
        title_en="The organization department at central and provincial level",
        description_zh="党委组织部门在中央和省级适用的规定（第六条的六项重点工作）。",
        description_en="The organization department's provisions that hold at central and provincial level.",
        query=_query(
            """
SELECT ?duty ?actionLabel ?object ?object_en
       (GROUP_CONCAT(DISTINCT ?levelLabel; separator=" / ") AS ?levels) ?quote
WHERE {
  ?duty a dg:Provision ;
        odrl:assignee body:organization-department ;
        odrl:action ?action ;
        dg:appliesAtLevel dg:central, dg:provincial, ?level .
  ?level skos:prefLabel ?levelLabel . FILTER (lang(?levelLabel) = "zh")
  ?action skos:prefLabel ?actionLabel . FILTER (lang(?actionLabel) = "zh")
  OPTIONAL {
    ?duty dg:object ?object, ?object_en .
    FILTER (lang(?object) = "zh" && lang(?object_en) = "en")
  }
  ?duty dg:source/oa:hasSelector ?selector .
  ?selector a oa:TextQuoteSelector ; oa:exact ?quote .
}
GROUP BY ?duty ?actionLabel ?object ?object_en ?quote
ORDER BY ?duty"""
        ),
    ),
    SparqlExample(
        id="serves-service-function",
        title_zh="哪些规定服务于“管服务”？",
        title_en="Which provisions serve 管服务 (managing services)?",
        description_zh="服务于党管人才四项职能之一“管服务”的规定。",
        description_en="Provisions that serve 管服务, one of the four functions of 党管人才 (article 1).",
        query=_query(
            """
SELECT ?duty ?actorLabel ?actionLabel ?object ?articleNumber
WHERE {
  ?duty a dg:Provision ;
        dg:servesFunction function:service ;
        odrl:assignee ?actor ;
        odrl:action ?action ;
        dg:article ?article .
  ?article eli:number ?articleNumber .
  ?actor skos:prefLabel ?actorLabel . FILTER (lang(?actorLabel) = "zh")
  ?action skos:prefLabel ?actionLabel . FILTER (lang(?actionLabel) = "zh")
  OPTIONAL { ?duty dg:object ?object . FILTER (lang(?object) = "zh") }
}
ORDER BY ?duty"""
        ),
    ),
    SparqlExample(
        id="talent-categories",
        title_zh="六类人才及相关规定",
        title_en="The six talent categories and the provisions about them",
        description_zh="第七条的六类人才，每类有哪些规定涉及。",
        description_en="The six talent categories of article 7, and which provisions concern each.",
        query=_query(
            """
SELECT ?category ?label_zh ?label_en (COUNT(?duty) AS ?provisions)
       (GROUP_CONCAT(STRAFTER(STR(?duty), "/duty/"); separator=", ") AS ?duties)
WHERE {
  ?category a dg:TalentCategory ;
            skos:prefLabel ?label_zh, ?label_en .
  FILTER (lang(?label_zh) = "zh" && lang(?label_en) = "en")
  OPTIONAL { ?duty dg:concernsTalentCategory ?category }
}
GROUP BY ?category ?label_zh ?label_en
ORDER BY ?label_en"""
        ),
    ),
    SparqlExample(
        id="implied-actors",
        title_zh="隐含的承担者",
        title_en="Implied actors",
        description_zh="原文未写主语、由解读补出承担者的规定，按承担者统计。",
        description_en="Provisions that name no subject, with the actor the reading supplies, per actor.",
        query=_query(
            """
SELECT ?actor ?label_zh ?label_en (COUNT(?duty) AS ?provisions)
WHERE {
  ?duty a dg:Provision ;
        dg:actorImplied true ;
        odrl:assignee ?actor .
  ?actor skos:prefLabel ?label_zh, ?label_en .
  FILTER (lang(?label_zh) = "zh" && lang(?label_en) = "en")
}
GROUP BY ?actor ?label_zh ?label_en
ORDER BY DESC(?provisions) ?actor"""
        ),
    ),
    SparqlExample(
        id="relations-between-bodies",
        title_zh="主体之间的关系",
        title_en="Relations between bodies",
        description_zh="领导、指导、支持、报送等关系，每条附原文。",
        description_en="Who leads, guides, supports or submits to whom, each with its quote.",
        query=_query(
            """
SELECT ?subjectLabel ?relation ?objectLabel ?quote ?start ?end
WHERE {
  ?statement a dg:RelationStatement ;
             rdf:subject ?subject ;
             rdf:predicate ?relation ;
             rdf:object ?object ;
             dg:source ?source .
  ?subject skos:prefLabel ?subjectLabel . FILTER (lang(?subjectLabel) = "zh")
  ?object skos:prefLabel ?objectLabel . FILTER (lang(?objectLabel) = "zh")
  ?source oa:hasSelector ?quoteSelector, ?positionSelector .
  ?quoteSelector a oa:TextQuoteSelector ; oa:exact ?quote .
  ?positionSelector a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
}
ORDER BY ?start ?relation"""
        ),
    ),
    SparqlExample(
        id="bodies-in-several-documents",
        title_zh="多个文件都提及的机构",
        title_en="Bodies that several documents name",
        description_zh="登记簿中的机构在哪些文件中被提及：每个文件一次提及，附原文。",
        description_en="Register bodies named by more than one document, with the words each document uses.",
        query=_query(
            """
SELECT ?body ?label (COUNT(DISTINCT ?document) AS ?documents)
       (GROUP_CONCAT(DISTINCT ?words; separator=" / ") AS ?named_as)
WHERE {
  ?mention a dg:Mention ;
           dg:mentionOf ?body ;
           dg:source ?source .
  ?source oa:hasSource ?document ;
          oa:hasSelector ?selector .
  ?selector a oa:TextQuoteSelector ; oa:exact ?words .
  ?body skos:prefLabel ?label . FILTER (lang(?label) = "zh")
}
GROUP BY ?body ?label
HAVING (COUNT(DISTINCT ?document) > 1)
ORDER BY DESC(?documents) ?label"""
        ),
    ),
    SparqlExample(
        id="body-in-each-document",
        title_zh="人力资源社会保障部门在各文件中的规定",
        title_en="The HR and social security department in each document",
        description_zh="同一机构在每个文件中承担的规定，按文件和规定类型计数（每个文件是一个命名图）。",
        description_en="What one body holds in each document, counted by document and modality "
        "(each document is a named graph).",
        query=_query(
            """
SELECT ?document ?title ?modality (COUNT(?duty) AS ?provisions)
WHERE {
  GRAPH ?document {
    ?duty a dg:Provision ;
          odrl:assignee body:hrss-department ;
          dg:modality ?modality .
  }
  ?document dcterms:title ?title . FILTER (lang(?title) = "zh")
}
GROUP BY ?document ?title ?modality
ORDER BY ?document ?modality"""
        ),
    ),
)


def in_namespaces(example: SparqlExample, ns: Namespaces) -> SparqlExample:
    """The example with its PREFIX lines in the served graph's namespaces (`build
    --ontology-namespace / --data-namespace`), as the build moves the ontology's Turtle."""
    query = example.query.replace(DEFAULT_ONTOLOGY_NAMESPACE, ns.ontology).replace(
        DEFAULT_DATA_NAMESPACE, ns.data
    )
    return replace(example, query=query)


def example_dicts(ns: Namespaces | None = None) -> list[dict[str, str]]:
    """The gallery as plain dicts, in order (what the query page embeds as JSON)."""
    ns = ns or Namespaces()
    return [in_namespaces(e, ns).as_dict() for e in EXAMPLES]
