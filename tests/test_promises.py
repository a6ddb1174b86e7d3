"""What the ontology promises is in the data, no reasoner needed: every trope is in the trope
scheme, every sub-trope statement is also skos:broader/skos:narrower (what SKOS tools read), each
declared inverse is stated, and the page quote's source reaches the graph.

Checked on examples/pages built once, merged (the store's merged graph), and on the real page in
../shared/corpus for the quote source.
"""

from __future__ import annotations

import pytest

from tropekg.build import build
from tropekg.store.embedded import GraphStore

PREFIXES = """PREFIX tk: <https://w3id.org/tropekg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX main: <https://w3id.org/tropekg/resource/Main/>
PREFIX film: <https://w3id.org/tropekg/resource/Film/>
"""


@pytest.fixture(scope="module")
def store(built) -> GraphStore:
    s = GraphStore.in_memory()
    s.load([built])
    return s


def count(store: GraphStore, where: str) -> int:
    return int(store.run(PREFIXES + f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}").rows[0][0].value)


def test_every_trope_is_in_the_trope_scheme(store):
    tropes = count(store, "?t a tk:Trope")
    assert tropes > 20  # described tropes, tropes only linked to, wanted tropes
    assert count(store, "?t a tk:Trope ; skos:inScheme tk:TropeScheme") == tropes


@pytest.mark.parametrize(("ours", "skos"), [("subTropeOf", "broader"), ("superTropeOf", "narrower")])
def test_the_hierarchy_reads_as_skos(store, ours, skos):
    stated = count(store, f"?a tk:{ours} ?b")
    assert stated >= 4
    assert count(store, f"?a tk:{ours} ?b . ?a skos:{skos} ?b") == stated
    assert count(store, f"?a skos:{skos} ?b") == stated
    # what SKOS tools ask: the broader concepts of Thou Shalt Not Kill
    if skos == "broader":
        rows = store.run(PREFIXES + "SELECT ?b WHERE { main:ThouShaltNotKill skos:broader ?b }").rows
        assert {r[0].value.rsplit("/", 1)[-1] for r in rows} == {"NeverHurtAnInnocent"}


@pytest.mark.parametrize(("prop", "inverse"), [("exemplifiedBy", "exemplifies"), ("avertedIn", "averts"),
                                               ("creatorOf", "creator"), ("creator", "creatorOf")])
def test_declared_inverses_are_stated(store, prop, inverse):
    stated = count(store, f"?a tk:{prop} ?b")
    assert stated > 0
    assert count(store, f"?a tk:{prop} ?b . ?b tk:{inverse} ?a") == stated


def test_the_quote_source_reaches_the_graph(store):
    rows = store.run(PREFIXES + "SELECT ?page ?source WHERE { ?page tk:quoteSource ?source } ORDER BY ?page").rows
    got = {r[0].value.rsplit("/", 1)[-1]: r[1].value.split("resource/")[1] for r in rows}
    # the pages' quote attributions link these works (examples/pages/Main/*.txt, the quote lines)
    assert got == {"FriendOrFoe": "Series/BurnNotice", "NeverHurtAnInnocent": "Film/TheDarkKnight",
                   "TechnicalPacifist": "Film/RED", "ThouShaltNotKill": "Manga/FullmetalAlchemist",
                   "WouldNotShootAGoodGuy": "Series/BurnNotice"}
    # a source no page describes is a wanted page, so the link never dangles
    assert count(store, "film:RED tk:wikiName ?n") == 1


def test_the_real_pages_quote_source(corpus, tmp_path):
    build([corpus / "Main"], tmp_path / "out", formats=("nquads",), jobs=1, title=None)
    s = GraphStore.in_memory()
    s.load([tmp_path / "out"])
    rows = s.run(PREFIXES + "SELECT ?source WHERE { main:WouldNotShootAGoodGuy tk:quoteSource ?source }").rows
    # the page's quote is attributed to Mack Bolan in The Executioner, linked to its page
    assert [r[0].value.split("resource/")[1] for r in rows] == ["Literature/TheExecutioner"]
