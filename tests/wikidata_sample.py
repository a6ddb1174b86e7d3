"""A small Wikidata-shaped sample, written here (invented item numbers, Wikidata's IRIs and
properties), for the tests of ``tropekg link wikidata`` to serve from a local Oxigraph server.

What it holds, against the pages of examples/pages:
- Q900001 Film/TheDarkKnight (identifier in lower case), a film, two publication dates (the
  earliest is 2008-07-14), an English and a German label and article;
- Q900002 Creator/ChristopherNolan, a human; Q900003 Series/BurnNotice (in upper case), 2007;
- Q900004 Main/ThouShaltNotKill, a trope with the English article "Thou shalt not kill";
- Q900005 and Q900006 both Main/NeverHurtAnInnocent: an identifier on two items;
- Q900007 Film/Inception, a page examples/ only links to (a wanted page), 2010;
- Q900008 Film/Casablanca, which no page names;
- Q900009 Main/PacifismTropes, an index, whose article title needs escaping ("What Is Pacifism?");
- Q900010 names two of our pages, Main/TechnicalPacifist and Main/FriendOrFoe;
- Q900011 has an identifier that is no page title;
- Q999 has no TV Tropes identifier at all.
"""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import RdfFormat, Store

SAMPLE = """
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix wdt: <http://www.wikidata.org/prop/direct/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <http://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

wd:Q900001 wdt:P6839 "film/thedarkknight" ; wdt:P31 wd:Q11424 ;
    rdfs:label "The Dark Knight"@en , "The Dark Knight"@de ;
    wdt:P577 "2008-07-18T00:00:00Z"^^xsd:dateTime , "2008-07-14T00:00:00Z"^^xsd:dateTime .
<https://en.wikipedia.org/wiki/The_Dark_Knight_(film)> schema:about wd:Q900001 ;
    schema:isPartOf <https://en.wikipedia.org/> ; schema:name "The Dark Knight (film)"@en .
<https://de.wikipedia.org/wiki/The_Dark_Knight> schema:about wd:Q900001 ;
    schema:isPartOf <https://de.wikipedia.org/> ; schema:name "The Dark Knight"@de .

wd:Q900002 wdt:P6839 "Creator/ChristopherNolan" ; wdt:P31 wd:Q5 ; rdfs:label "Christopher Nolan"@en ;
    wdt:P577 "1970-07-30T00:00:00Z"^^xsd:dateTime .
<https://en.wikipedia.org/wiki/Christopher_Nolan> schema:about wd:Q900002 ;
    schema:isPartOf <https://en.wikipedia.org/> ; schema:name "Christopher Nolan"@en .

wd:Q900003 wdt:P6839 "SERIES/BURNNOTICE" ; wdt:P31 wd:Q5398426 , wd:Q21191270 ; rdfs:label "Burn Notice"@en ;
    wdt:P577 "2007-06-28T00:00:00Z"^^xsd:dateTime .

wd:Q900004 wdt:P6839 "Main/ThouShaltNotKill" ; wdt:P31 wd:Q7725634 ; rdfs:label "thou shalt not kill"@en .
<https://en.wikipedia.org/wiki/Thou_shalt_not_kill> schema:about wd:Q900004 ;
    schema:isPartOf <https://en.wikipedia.org/> ; schema:name "Thou shalt not kill"@en .

wd:Q900005 wdt:P6839 "Main/NeverHurtAnInnocent" ; rdfs:label "never hurt an innocent"@en .
wd:Q900006 wdt:P6839 "main/neverhurtaninnocent" ; rdfs:label "Never Hurt an Innocent (trope)"@en .

wd:Q900007 wdt:P6839 "Film/Inception" ; wdt:P31 wd:Q11424 ; rdfs:label "Inception"@en ;
    wdt:P577 "2010-07-16T00:00:00Z"^^xsd:dateTime .
<https://en.wikipedia.org/wiki/Inception> schema:about wd:Q900007 ;
    schema:isPartOf <https://en.wikipedia.org/> ; schema:name "Inception"@en .

wd:Q900008 wdt:P6839 "Film/Casablanca" ; wdt:P31 wd:Q11424 ; rdfs:label "Casablanca"@en .

wd:Q900009 wdt:P6839 "Main/PacifismTropes" ; rdfs:label "pacifism tropes"@en .
<https://en.wikipedia.org/wiki/What_Is_Pacifism%3F> schema:about wd:Q900009 ;
    schema:isPartOf <https://en.wikipedia.org/> ; schema:name "What Is Pacifism?"@en .

wd:Q900010 wdt:P6839 "Main/TechnicalPacifist" , "Main/FriendOrFoe" ; rdfs:label "pacifists"@en .

wd:Q900011 wdt:P6839 "Main/Not A Title!" ; rdfs:label "bad identifier"@en .

wd:Q999 wdt:P31 wd:Q5 ; rdfs:label "no identifier"@en .
"""

ITEMS_WITH_ID = 11


def write_sample_store(location: Path) -> Path:
    """An Oxigraph store at ``location`` holding the sample, closed again (ready to serve)."""
    store = Store(str(location))
    store.load(SAMPLE.encode("utf-8"), format=RdfFormat.TURTLE)
    store.flush()
    del store
    return location


def link_sample(backend, server) -> None:
    """Add to ``backend`` the Wikidata linkset that the sample on ``server`` gives."""
    from tropekg.link import WikidataClient, link_wikidata

    client = WikidataClient(server.query_url, contact="tests@example.org", page_size=4)
    try:
        link_wikidata(backend, client)
    finally:
        client.close()
