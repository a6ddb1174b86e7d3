"""Tests for the synthetic corpus (tropekg.synth, ``tropekg synth``): the same seed gives the same bytes,
the statistics are true of the files (recounted by parsing every page back), the shape is the wiki's
(long tails, nesting, modes, a hierarchy with several parents and planted cycles), broken pages warn
or fail cleanly, and a build over the corpus reports the unreadable pages and exits 3."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from tropekg.build import build
from tropekg.cli import cli
from tropekg.cli.synth import synth_command
from tropekg.markup.parse import parse_file, parse_text
from tropekg.markup.tokens import LINK, tokenize
from tropekg.readers.source import PageError
from tropekg.synth import BREAKAGES, MODE_RATES, STATS_FILE, SynthError, filler_sentences, generate
from tropekg.titles import Title, is_wikiword

TROPES, WORKS = 200, 150


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def synth_corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("synth") / "corpus"
    generate(root, TROPES, WORKS, seed=7)
    return root


@pytest.fixture(scope="module")
def stats(synth_corpus) -> dict:
    return json.loads((synth_corpus / STATS_FILE).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pages(synth_corpus) -> dict:
    """Every readable page parsed back, by title; the unreadable ones with their error."""
    parsed, unreadable = {}, {}
    for path in sorted(synth_corpus.glob("*/*.txt")):
        try:
            page = parse_file(path)
        except PageError as e:
            unreadable[f"{path.parent.name}/{path.stem}"] = e
            continue
        parsed[str(page.title)] = page
    return {"parsed": parsed, "unreadable": unreadable}


def _hierarchy(parsed: dict) -> set[tuple[str, str]]:
    edges = set()
    for title, page in parsed.items():
        if page.kind != "trope":
            continue
        edges |= {(title, str(t)) for t in page.relations["subTropeOf"]}
        edges |= {(str(t), title) for t in page.relations["superTropeOf"]}
    return edges


# -- determinism ---------------------------------------------------------------------------------

def test_same_seed_same_bytes_and_another_seed_differs(synth_corpus, tmp_path):
    again = tmp_path / "again"
    generate(again, TROPES, WORKS, seed=7)
    assert _files(again) == _files(synth_corpus)
    other = tmp_path / "other"
    generate(other, TROPES, WORKS, seed=8)
    theirs, ours = _files(other), _files(synth_corpus)
    assert theirs != ours
    assert set(theirs) != set(ours)  # even the names differ


# -- the statistics are true of the files -------------------------------------------------------

def test_page_kinds_and_sizes(synth_corpus, stats, pages):
    kinds = Counter(page.kind for page in pages["parsed"].values())
    expected = dict(stats["pages"])
    assert expected.pop("unreadable") == len(pages["unreadable"]) == len(stats["unreadable_pages"])
    assert dict(kinds) == expected
    assert sorted(pages["unreadable"]) == sorted(stats["unreadable_pages"])
    sizes = {f"{p.parent.name}/{p.stem}": p.stat().st_size for p in synth_corpus.glob("*/*.txt")}
    assert sum(sizes.values()) == stats["bytes"]
    assert max(sizes.values()) == stats["largest_page_bytes"] == sizes[stats["largest_page"]]
    typical = sorted(sizes.values())[len(sizes) // 2]
    assert 1_000 < typical < 20_000  # a few KB


def test_examples_nesting_spoilers_and_modes(stats, pages):
    examples = [ex for page in pages["parsed"].values() if page.kind in ("trope", "work") for ex in page.examples]
    assert len(examples) == stats["examples"]
    on_tropes = sum(len(p.examples) for p in pages["parsed"].values() if p.kind == "trope")
    assert on_tropes == stats["trope_page_examples"]
    assert len(examples) - on_tropes == stats["work_page_examples"]
    assert sum(1 for ex in examples if ex.depth > 1) == stats["nested_examples"]
    assert 0.10 <= stats["nested_share"] <= 0.20
    assert sum(1 for ex in examples if ex.spoiler) == stats["spoiler_examples"]
    assert sum(1 for ex in examples if ex.work is None) == stats["real_life_examples"]
    stated = Counter(ex.mode for ex in examples if ex.mode_stated)
    assert dict(stated) == stats["modes_stated"]
    # realistic rates: most examples state no mode; averted is the commonest stated one
    assert stats["mode_shares"]["unstated"] > 0.8
    assert max(stats["modes_stated"], key=stats["modes_stated"].get) == "Averted"
    assert set(stats["modes_stated"]) <= {mode for mode, _ in MODE_RATES}


def test_examples_per_page_are_long_tailed(stats, pages):
    per_trope = [len(p.examples) for p in pages["parsed"].values() if p.kind == "trope"]
    per_work = [sum(1 for ex in p.examples if ex.depth == 1) for p in pages["parsed"].values() if p.kind == "work"]
    assert max(per_trope) == stats["examples_per_trope_max"]
    assert sum(per_trope) / len(per_trope) == pytest.approx(stats["examples_per_trope_mean"], abs=0.01)
    assert max(per_work) == stats["tropes_per_work_max"]
    assert sum(per_work) / len(per_work) == pytest.approx(stats["tropes_per_work_mean"], abs=0.01)
    assert max(per_trope) > 4 * stats["examples_per_trope_mean"]
    assert max(per_work) > 3 * stats["tropes_per_work_mean"]
    median = sorted(per_trope)[len(per_trope) // 2]
    assert median < stats["examples_per_trope_mean"]  # a long right tail: mean above median


def test_hierarchy_as_the_pages_state_it(stats, pages):
    edges = _hierarchy(pages["parsed"])
    assert len(edges) == stats["hierarchy_edges"]
    digest = hashlib.sha256("".join(f"{a} {b}\n" for a, b in sorted(edges)).encode()).hexdigest()
    assert digest == stats["hierarchy_edges_sha256"]
    parents = Counter(sub for sub, _ in edges)
    assert sum(1 for n in parents.values() if n > 1) == stats["multi_parent_tropes"] > 0

    planted = {tuple(edge) for edge in stats["planted_cycles"]}
    assert planted and planted <= edges
    ups: dict[str, set[str]] = {}
    for a, b in edges:
        ups.setdefault(a, set()).add(b)

    def reaches(start: str, goal: str, graph: dict) -> bool:
        seen, stack = set(), [start]
        while stack:
            node = stack.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                stack.extend(graph.get(node, ()))
        return False

    for sub, sup in planted:  # each planted edge closes a cycle: its super-trope is below its sub-trope
        assert reaches(sup, sub, ups)

    # without the planted edges the hierarchy is a DAG whose longest chain is the stated depth
    dag = {a: {b for b in bs if (a, b) not in planted} for a, bs in ups.items()}
    depth: dict[str, int] = {}

    def longest(node: str, path: frozenset) -> int:
        assert node not in path, f"a cycle that was not planted through {node}"
        if node not in depth:
            depth[node] = max((longest(p, path | {node}) + 1 for p in dag.get(node, ())), default=0)
        return depth[node]

    assert max(longest(node, frozenset()) for node in dag) == stats["hierarchy_depth"] >= 5


def test_other_relations_and_index_entries(stats, pages):
    tropes = [p for p in pages["parsed"].values() if p.kind == "trope"]
    for key, count in stats["relations"].items():
        assert sum(len(p.relations[key]) for p in tropes) == count, key
    entries = sum(len(p.lists) for p in pages["parsed"].values() if p.kind == "index")
    assert entries == stats["index_entries"]


def test_samples_name_pages_that_exist(stats, pages):
    parsed = pages["parsed"]
    for key in ("trope", "work", "creator", "index", "root_trope", "deep_trope"):
        assert stats["samples"][key] in parsed, key
    assert parsed[stats["samples"]["creator"]].works
    trope = parsed[stats["samples"]["trope"]]
    assert stats["samples"]["trope_work"] in {str(ex.work) for ex in trope.examples}
    assert len(trope.examples) > 4 * stats["examples_per_trope_mean"]


def test_names_are_wikiwords(pages):
    titles = [page.title for page in pages["parsed"].values()]
    assert len({t.key for t in titles}) == len(titles)
    for title in titles:
        if title.namespace == "Main":
            assert is_wikiword(title.name), title
            [token] = [t for t in tokenize(title.name) if t.kind == LINK]
            assert token.title == title


def test_filler_states_no_link_relation_or_mode():
    """The filler must carry no structure of its own, or the statistics would be wrong."""
    sentences = filler_sentences()
    assert not [s for s in sentences if any(t.kind == LINK for t in tokenize(s))]
    description = "\n\n".join(f"{s} TheLinkedTrope." for s in sentences)
    bullets = "\n".join(f"** {s}" for s in sentences)
    page = parse_text(f"{description}\n\n!!Examples:\n* ''Film/SomeWork'': x\n{bullets}\n",
                      Title("Main", "FillerTest"))
    assert all(not targets for targets in page.relations.values())
    assert [str(t) for t in page.mentions] == ["Main/TheLinkedTrope"]
    assert len(page.examples) == len(sentences) + 1
    assert not [ex.text for ex in page.examples if ex.mode_stated]


# -- broken pages -------------------------------------------------------------------------------------

def test_every_breakage_is_planted_and_warns(synth_corpus, stats, pages):
    broken = stats["broken_pages"]
    assert set(broken.values()) == set(BREAKAGES)
    for title, kind in broken.items():
        page = pages["parsed"][title]
        messages = " | ".join(w.message for w in page.warnings)
        if kind == "crlf":
            data = (synth_corpus / f"{title}.txt").read_bytes()
            assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
            relf = parse_text(data.replace(b"\r\n", b"\n").decode("utf-8"), page.title)
            assert [e.to_json() for e in page.examples] == [e.to_json() for e in relf.examples]
            continue
        expected = {
            "invalid_utf8": "not valid UTF-8", "unclosed_folder": "is never closed",
            "missing_folder_close": "is not closed before the next folder",
            "stray_folder_close": "stray [[/folder]]", "unclosed_spoiler": "unclosed [[spoiler:",
            "unclosed_italic": "unclosed '' italics",
        }[kind]
        assert expected in messages, (title, kind, messages)
    for title, error in pages["unreadable"].items():
        assert "NUL" in error.message


def test_build_reports_the_unreadable_pages_and_exits_3(synth_corpus, stats, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(synth_corpus), "-o", str(out), "--jobs", "2",
                                      "--format", "nquads", "--quiet"])
    assert result.exit_code == 3, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    failed = sorted(f"Main/{Path(f['path']).stem}" for f in report["failed"])
    assert failed == sorted(stats["unreadable_pages"])
    assert all("NUL" in f["reason"] for f in report["failed"])
    assert report["pages"] == sum(stats["pages"].values()) - len(stats["unreadable_pages"])
    assert report["examples"] == stats["examples"]
    assert report["wanted_pages"] > 0  # works and tropes linked to that have no page
    for title in stats["unreadable_pages"]:
        assert f"{title.removeprefix('Main/')}.txt:" in result.stderr


def test_library_build_goes_on_past_failed_pages(synth_corpus, stats, tmp_path):
    report = build([synth_corpus], tmp_path / "out", formats=("nquads",), jobs=1)
    assert len(report.failed) == len(stats["unreadable_pages"])
    assert report.pages == sum(stats["pages"].values()) - len(stats["unreadable_pages"])


# -- the command ---------------------------------------------------------------------------------

def test_synth_command_writes_and_reports(tmp_path):
    out = tmp_path / "c"
    result = CliRunner().invoke(synth_command, ["--tropes", "30", "--works", "20", "--seed", "2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    stats = json.loads((out / STATS_FILE).read_text(encoding="utf-8"))
    assert f"examples:         {stats['examples']:,}" in result.output
    assert (out / "Main").is_dir() and len(list((out / "Main").glob("*.txt"))) >= 30
    # running again over its own synth_corpus replaces it
    again = CliRunner().invoke(synth_command, ["--tropes", "25", "--works", "20", "-o", str(out), "-q"])
    assert again.exit_code == 0 and again.output == ""
    stats = json.loads((out / STATS_FILE).read_text(encoding="utf-8"))
    assert stats["tropes"] == 25
    main_pages = stats["pages"]["trope"] + stats["pages"]["index"] + stats["pages"]["unreadable"]
    assert len(list((out / "Main").glob("*.txt"))) == main_pages  # none left from the first run


def test_synth_refuses_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(synth_command, ["--tropes", "5", "--works", "5", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a synthetic corpus" in result.output
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    with pytest.raises(SynthError):
        generate(tmp_path, 5, 5)


# -- the corpus as the site renders it (--html) ---------------------------------------------------

@pytest.fixture(scope="module")
def html_corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("synth-html") / "corpus"
    generate(root, TROPES, WORKS, seed=7, html=True)
    return root


def test_html_corpus_is_the_same_pages_as_the_site_renders_them(html_corpus, synth_corpus, stats, tmp_path):
    from tropekg.markup.html import parse_html

    html_stats = json.loads((html_corpus / STATS_FILE).read_text())
    assert html_stats["examples"] == stats["examples"] and html_stats["pages"] == stats["pages"]
    markup = sorted(p.relative_to(synth_corpus).with_suffix("").as_posix() for p in synth_corpus.glob("*/*.txt"))
    html = sorted(p.relative_to(html_corpus).with_suffix("").as_posix() for p in html_corpus.glob("*/*.html"))
    assert html == markup
    # each page names itself, and reads into the page model the markup gives
    name = stats["samples"]["trope"]
    from_html = parse_html((html_corpus / f"{name}.html").read_bytes(), str(html_corpus / f"{name}.html"))
    from_markup = parse_file(synth_corpus / f"{name}.txt")
    assert str(from_html.title) == name and from_html.kind == from_markup.kind == "trope"
    assert [(str(e.work), e.mode, e.depth, e.spoiler) for e in from_html.examples] == \
           [(str(e.work), e.mode, e.depth, e.spoiler) for e in from_markup.examples]
    assert {k: sorted(map(str, v)) for k, v in from_html.relations.items()} == \
           {k: sorted(map(str, v)) for k, v in from_markup.relations.items()}
    text = (html_corpus / f"{name}.html").read_text()
    assert '<div id="main-article"' in text and 'class="twikilink"' in text and "%%" not in text
    # built, it holds every example, and the unreadable pages fail as pages with no article
    report = build([html_corpus], tmp_path / "out", jobs=2, merged=False)
    assert report.examples == stats["examples"]
    assert sorted(f["path"].rsplit("/", 2)[-2] + "/" + Path(f["path"]).stem for f in report.failed) == \
           sorted(stats["unreadable_pages"])
    assert all("main-article" in f["reason"] for f in report.failed)


def test_html_corpus_same_seed_same_bytes(html_corpus, tmp_path):
    again = tmp_path / "again"
    generate(again, TROPES, WORKS, seed=7, html=True)
    assert _files(again) == _files(html_corpus)
