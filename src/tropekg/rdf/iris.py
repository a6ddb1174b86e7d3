"""Our IRIs: a page title in, its resource, page-graph and example IRIs out (and back again).

The scheme is a value, :class:`IriScheme`: the base IRI and the spelling of every page the corpus
describes. It is handed to whatever makes or reads IRIs (the mapper, the build's workers, queries),
never read from a module global, so two builds with different bases cannot disturb each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import NamedNode

from tropekg.titles import Title, parse_title

DEFAULT_BASE = "https://w3id.org/tropekg/"
# Graphs that are not pages live under graph/_/ ("_" is no wiki namespace): pages linked to that no
# page describes, the dataset's description, linksets to other datasets.
SPECIAL_GRAPHS = "graph/_/"
WANTED_GRAPH = SPECIAL_GRAPHS + "wanted"
DESCRIPTION_GRAPH = SPECIAL_GRAPHS + "dataset"
LINKSET_GRAPHS = SPECIAL_GRAPHS + "linkset/"


@dataclass(frozen=True, slots=True)
class IriScheme:
    """How titles become IRIs: ``{base}resource/{Namespace}/{PageName}`` and ``{base}graph/...``."""

    base: str = DEFAULT_BASE
    # Page identity is case-insensitive: a link spelt CallofDuty and a page file CallOfDuty are one
    # page. ``spellings`` maps a title's key to the spelling of the page that describes it (the
    # corpus's own file names), so every link to it gets the same IRI.
    spellings: dict[str, str] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.base.endswith(("/", "#")):
            object.__setattr__(self, "base", self.base + "/")

    def _path(self, title: Title) -> str:
        name = self.spellings.get(title.key, title.name) if self.spellings else title.name
        return f"{title.namespace}/{name}"

    def resource(self, title: Title) -> NamedNode:
        return NamedNode(f"{self.base}resource/{self._path(title)}")

    def graph(self, title: Title) -> NamedNode:
        return NamedNode(f"{self.base}graph/{self._path(title)}")

    def example(self, page: Title, key: str) -> NamedNode:
        return NamedNode(f"{self.base}resource/{self._path(page)}/example/{key}")

    @property
    def wanted_graph(self) -> NamedNode:
        return NamedNode(self.base + WANTED_GRAPH)

    @property
    def page_graph_prefix(self) -> str:
        return f"{self.base}graph/"

    @property
    def description_graph(self) -> NamedNode:
        """The named graph holding the dataset's VoID/DCAT description."""
        return NamedNode(self.base + DESCRIPTION_GRAPH)

    @property
    def dataset(self) -> NamedNode:
        """The dataset itself, as its description names it."""
        return NamedNode(self.base + "dataset")

    def linkset_graph(self, target: str) -> NamedNode:
        """The named graph of the links to another dataset (``wikidata``)."""
        return NamedNode(f"{self.base}{LINKSET_GRAPHS}{target}")

    def is_page_graph(self, iri: str) -> bool:
        """Whether ``iri`` names a page's graph (not one of the graphs under ``graph/_/``)."""
        return iri.startswith(self.page_graph_prefix) and not iri.startswith(self.base + SPECIAL_GRAPHS)

    def title_of(self, iri: str) -> Title | None:
        """The page title of a resource IRI (for showing results as people write them), else None."""
        prefix = f"{self.base}resource/"
        if iri.startswith(prefix):
            return parse_title(iri[len(prefix):])
        return None


def base_of_page_graph(iri: str) -> str | None:
    """The base IRI a page graph's IRI (``{base}graph/{Namespace}/{PageName}``) was made under:
    how a store that holds a build tells its base without being told."""
    parts = iri.rsplit("/", 2)
    if len(parts) != 3 or not parts[0].endswith("graph"):
        return None
    base = parts[0][: -len("graph")]
    return base if base.endswith(("/", "#")) else None
