"""The questions people ask, as plain functions over the knowledge of the packaged build."""

from __future__ import annotations

from pathlib import Path

import pytest

from dutygraph.graph import queries
from dutygraph.graph.knowledge import Knowledge, load_knowledge


@pytest.fixture(scope="module")
def k(built_dir: Path) -> Knowledge:
    return load_knowledge(built_dir)


def test_duties_of_a_body_include_its_units_and_posts(k: Knowledge) -> None:
    own = queries.duties_of(k, "talent-work-leading-group", include_parts=False)
    with_parts = queries.duties_of(k, "talent-work-leading-group")
    assert own and all(h.via is None for h in own)
    assert len(with_parts) >= len(own)
    party = queries.duties_of(k, "party-committee")
    vias = {h.via for h in party if h.via}
    assert "organization-department" in vias  # a unit of the party committee
    assert "party-secretary" in vias  # a post in it
    secretary = next(h for h in party if h.via == "party-secretary")
    assert "书记要带头抓好人才工作" in secretary.duty.quote_zh


def test_filters_by_modality_article_and_level(k: Knowledge) -> None:
    permitted = queries.duties_of(k, "functional-departments", modality="permission")
    assert permitted and all(h.duty.modality == "permission" for h in permitted)
    sixth = queries.duties_of(k, "organization-department", article=6, level="central")
    assert len(sixth) >= 6 and all(h.duty.article == 6 and "central" in h.duty.levels for h in sixth)


def test_who_approves_major_matters(k: Knowledge) -> None:
    ranked = queries.responsible_for(k, "审定")
    assert ranked[0].agent.id == "party-committee"
    quotes = [d.quote_zh for d, how in ranked[0].duties if how == "holds"]
    assert any("审定" in q for q in quotes)


def test_responsibility_by_english_words_and_by_concept(k: Knowledge) -> None:
    assert queries.responsible_for(k, "approve")[0].agent.id == "party-committee"
    by_function = queries.responsible_for(k, "管服务")
    assert by_function, "duties serving the function 管服务 are found through the concept"
    assert queries.responsible_for(k, "   ") == []


def test_direct_holders_rank_above_those_merely_concerned(k: Knowledge) -> None:
    ranked = queries.responsible_for(k, "人才发展基金")
    direct = [r for r in ranked if any(how == "holds" for _, how in r.duties)]
    assert {r.agent.id for r in direct} >= {"enterprise", "social-organization"}
    assert ranked[0] in direct


def test_what_applies_at_county_level(k: Knowledge) -> None:
    county = queries.at_level(k, "county")
    assert county and all("county" in r.levels for r in county)
    assert any("有条件的县（市）" in r.condition_zh for r in county)
    everything = queries.at_level(k, "county", include_unconstrained=True)
    assert len(everything) > len(county)
    central = queries.at_level(k, "central")
    assert central and not any(r.levels == ("county",) for r in central)


def test_leading_group_composition_by_condition(k: Knowledge) -> None:
    groups = queries.leading_group(k)
    conditions = [g["condition"] for g in groups]
    assert None in conditions  # the members, whoever heads the group
    doc = "party-talent-work-opinion"
    assert {f"{doc}/group-headed-by-principal-leader", f"{doc}/group-headed-by-organization-head"} <= set(
        conditions
    )


def test_paths_chains_and_neighbourhoods(k: Knowledge) -> None:
    found = queries.paths(k, k.agent_network, "organization-department", "party-committee")
    assert found and found[0][0]["relation"] == "unit_of"
    assert queries.chain(k, k.agent_network, "talent-work-leading-group", "submits_to") == ["party-committee"]
    near = queries.neighbourhood(k, k.undirected, "talent-work-leading-group", 1)
    far = queries.neighbourhood(k, k.undirected, "talent-work-leading-group", 2)
    assert set(near) < set(far) and near["body/talent-work-leading-group"] == 0


def test_centrality_puts_the_party_committee_first(k: Knowledge) -> None:
    rows = queries.centrality(k)
    assert rows[0]["id"] == "party-committee"
    assert rows[0]["duties"] == len(queries.duties_of(k, "party-committee", include_parts=False))


def test_shared_duties_of_two_mass_organizations(k: Knowledge) -> None:
    pairs = queries.shared_duties(k, "trade-union", "womens-federation")
    assert pairs and all(a.quote_zh == b.quote_zh for a, b in pairs)


def test_unknown_ids_come_with_suggestions(k: Knowledge) -> None:
    with pytest.raises(queries.UnknownId) as error:
        queries.agent(k, "party-comittee")
    assert "party-committee" in error.value.suggestions
