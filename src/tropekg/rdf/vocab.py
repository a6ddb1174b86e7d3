"""The TropeKG ontology terms as a closed rdflib namespace.

GENERATED FILE: do not edit by hand. It is generated from ontology/tropekg.ttl by
tropekg.rdf.vocab_codegen; after changing the ontology, regenerate it with

    python -m tropekg.rdf.vocab_codegen

and check that it is up to date with ``python -m tropekg.rdf.vocab_codegen --check``.
"""

from rdflib.namespace import DefinedNamespace, Namespace
from rdflib.term import URIRef

ONTOLOGY_IRI = URIRef("https://w3id.org/tropekg/ontology")
ONTOLOGY_VERSION = "0.1.0"


class TK(DefinedNamespace):
    """Terms of the TropeKG ontology, https://w3id.org/tropekg/ontology#

    Closed: accessing a term the ontology does not declare raises AttributeError.
    """

    _fail = True
    _NS = Namespace("https://w3id.org/tropekg/ontology#")

    Advertising: URIRef  # class: Advertising
    Anime: URIRef  # class: Anime
    Art: URIRef  # class: Visual art
    AudioPlay: URIRef  # class: Audio play
    Averted: URIRef  # individual: Averted
    Blog: URIRef  # class: Blog
    ComicBook: URIRef  # class: Comic book
    ComicStrip: URIRef  # class: Comic strip
    Conversed: URIRef  # individual: Conversed
    Creator: URIRef  # class: Creator
    Deconstructed: URIRef  # individual: Deconstructed
    Defied: URIRef  # individual: Defied
    Discussed: URIRef  # individual: Discussed
    DoubleSubverted: URIRef  # individual: Double subverted
    Downplayed: URIRef  # individual: Downplayed
    Enforced: URIRef  # individual: Enforced
    Exaggerated: URIRef  # individual: Exaggerated
    Example: URIRef  # class: Example
    Exploited: URIRef  # individual: Exploited
    Fanfic: URIRef  # class: Fan fiction
    Film: URIRef  # class: Film
    Folklore: URIRef  # class: Folklore
    Franchise: URIRef  # class: Franchise
    Implied: URIRef  # individual: Implied
    Inverted: URIRef  # individual: Inverted
    Invoked: URIRef  # individual: Invoked
    Justified: URIRef  # individual: Justified
    Lampshaded: URIRef  # individual: Lampshaded
    LightNovel: URIRef  # class: Light novel
    Literature: URIRef  # class: Literature
    Machinima: URIRef  # class: Machinima
    Magazine: URIRef  # class: Magazine
    Manga: URIRef  # class: Manga
    Manhua: URIRef  # class: Manhua
    Manhwa: URIRef  # class: Manhwa
    Music: URIRef  # class: Music
    Mythology: URIRef  # class: Mythology
    Opera: URIRef  # class: Opera
    OtherPage: URIRef  # class: Other page
    PageGraph: URIRef  # class: Page graph
    Parodied: URIRef  # individual: Parodied
    Pinball: URIRef  # class: Pinball
    PlayingWithMode: URIRef  # class: Playing-with mode
    PlayingWithScheme: URIRef  # concept scheme: Playing-with modes
    Podcast: URIRef  # class: Podcast
    Radio: URIRef  # class: Radio
    Reconstructed: URIRef  # individual: Reconstructed
    Religion: URIRef  # class: Religion
    Ride: URIRef  # class: Theme park ride
    Roleplay: URIRef  # class: Role-play
    Series: URIRef  # class: Television series
    Straight: URIRef  # individual: Played straight
    Subverted: URIRef  # individual: Subverted
    TabletopGame: URIRef  # class: Tabletop game
    Theatre: URIRef  # class: Theatre
    Toys: URIRef  # class: Toys
    Trope: URIRef  # class: Trope
    TropeIndex: URIRef  # class: Trope index
    TropeScheme: URIRef  # concept scheme: Trope scheme
    UsefulNotesTopic: URIRef  # class: Useful notes topic
    VideoGame: URIRef  # class: Video game
    VisualNovel: URIRef  # class: Visual novel
    WantedPage: URIRef  # class: Wanted page
    WebAnimation: URIRef  # class: Web animation
    WebOriginal: URIRef  # class: Web original
    WebVideo: URIRef  # class: Web video
    Webcomic: URIRef  # class: Webcomic
    Website: URIRef  # class: Website
    WesternAnimation: URIRef  # class: Western animation
    Work: URIRef  # class: Work
    Wrestling: URIRef  # class: Professional wrestling
    ZigZagged: URIRef  # individual: Zig-zagged
    alternativeWikiName: URIRef  # datatype property: alternative wiki name
    avertedIn: URIRef  # object property: averted in
    averts: URIRef  # object property: averts
    compareWith: URIRef  # object property: compare with
    contrastWith: URIRef  # object property: contrast with
    creator: URIRef  # object property: creator
    creatorOf: URIRef  # object property: creator of
    depth: URIRef  # datatype property: depth
    describedBy: URIRef  # object property: described by
    exemplifiedBy: URIRef  # object property: exemplified by
    exemplifies: URIRef  # object property: exemplifies
    folder: URIRef  # datatype property: folder
    hasSpoiler: URIRef  # datatype property: has spoiler
    lists: URIRef  # object property: lists
    mentions: URIRef  # object property: mentions
    mode: URIRef  # object property: mode
    modeStated: URIRef  # datatype property: mode stated
    namespace: URIRef  # datatype property: namespace
    notToBeConfusedWith: URIRef  # object property: not to be confused with
    onPage: URIRef  # object property: on page
    parentExample: URIRef  # object property: parent example
    quote: URIRef  # datatype property: quote
    quoteAttribution: URIRef  # datatype property: quote attribution
    quoteSource: URIRef  # object property: quote source
    seeAlso: URIRef  # object property: see also
    sisterTropeOf: URIRef  # object property: sister trope of
    sourceLine: URIRef  # datatype property: source line
    sourcePath: URIRef  # datatype property: source path
    sourceSha256: URIRef  # datatype property: source SHA-256
    subTropeOf: URIRef  # object property: sub-trope of
    superTropeOf: URIRef  # object property: super-trope of
    text: URIRef  # datatype property: text
    trope: URIRef  # object property: trope
    tropekgVersion: URIRef  # datatype property: tropekg version
    wikiName: URIRef  # datatype property: wiki name
    work: URIRef  # object property: work
