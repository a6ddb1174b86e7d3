"""The pictures, as a person sees them: generated pages opened in headless Chromium (Playwright
driving Debian's /usr/bin/chromium) render the expected tropes, expand on a click, find a trope,
make no network request, are not blank, and show planted markup as text without running it. The
selection and escaping behind them are checked without a browser first."""

from __future__ import annotations

import html
import io
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from tropekg import viz
from tropekg.analysis import hierarchy_graph
from tropekg.cli.analysis import viz_group
from tropekg.store.embedded import GraphStore

from .test_analysis import planted

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
EVIL_LABEL = "<script>window.__pwned=1</script>"
EVIL_DESCRIPTION = 'Trap: <img src=x onerror="window.__pwned=2"> & <b>not bold</b>'


def evil_graph():
    g = planted()
    g.trope("Main/EvilTrope", label=EVIL_LABEL, description=EVIL_DESCRIPTION)
    g.sub("Main/EvilTrope", "Main/RootA")
    g.relate("Main/EvilTrope", "compareWith", "Main/A1")
    return g


@pytest.fixture(scope="module")
def store() -> GraphStore:
    return evil_graph().store()


@pytest.fixture(scope="module")
def pages(store, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pages")
    out = {
        "hierarchy": viz.hierarchy_figure(store).write(folder / "hierarchy.html"),
        "neighbourhood": viz.neighbourhood_figure(store, "EvilTrope").write(folder / "evil.html"),
        "sunburst": viz.hierarchy_figure(store, root="RootA", chart="sunburst").write(folder / "sun.html"),
    }
    if shutil.which("dot"):
        out["svg"] = viz.hierarchy_figure(store, root="RootA").write(folder / "hierarchy.svg")
    return out


# -- without a browser: what goes into the pages ----------------------------------------------------

def test_labels_and_hovers_are_escaped_for_plotly(store):
    fig = viz.hierarchy_figure(store).figure
    trace = fig.data[0]
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in trace.labels
    assert not any("<script" in label for label in trace.labels)
    hovers = " ".join(trace.hovertext)
    assert "&lt;img src=x onerror=" in hovers and "<img" not in hovers
    # the side panel's data stays raw: the page writes it with textContent
    assert any(row[1] == EVIL_LABEL for row in trace.customdata)


def test_the_page_is_self_contained_with_a_content_security_policy(pages):
    text = pages["hierarchy"].read_text(encoding="utf-8")
    assert re.search(r'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
                     r"script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:", text)
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", text)
    assert tags and not any(re.search(r"\b(?:src|href)\s*=", tag) for tag in tags)
    assert "plotly.js v" in text  # the library itself, inline
    assert EVIL_LABEL not in text and "<img src=x" not in text


def test_a_trope_with_two_parents_is_marked_under_each(store):
    h = hierarchy_graph(store)
    tree = viz.hierarchy_tree(h)
    shared = [s for s in tree.sectors if s.trope == "Main/Shared"]
    assert len(shared) == 2
    assert all(s.label.endswith(viz.MULTI_PARENT_MARK) for s in shared)
    notes = sorted(s.custom[5] for s in shared)
    assert notes == ["also under A2", "also under B1"]
    cycle = [s for s in tree.sectors if s.label.startswith(viz.CYCLE_MARK)]
    assert [s.trope for s in cycle] == ["Main/C1"]


def test_a_large_hierarchy_is_sampled_and_says_so():
    g = planted()
    for i in range(40):
        g.trope(f"Main/Kid{i:02d}")
        g.sub(f"Main/Kid{i:02d}", "Main/A111")
    h = hierarchy_graph(g.store())
    tree = viz.hierarchy_tree(h, max_nodes=30, per_family=8)
    assert len(tree.sectors) <= 30
    assert tree.sampled and "Sampled" in " ".join(tree.notes)
    more = [s for s in tree.sectors if s.kind == "more"]
    assert more and all(re.fullmatch(r"\+\d+ more", s.label) for s in more)
    assert tree.tropes_shown < tree.tropes_total
    family = viz.hierarchy_tree(h, root="Main/A111", per_family=8)
    assert [s.label for s in family.sectors if s.kind == "more"] == ["+32 more"]


def test_depth_and_direction(store):
    h = hierarchy_graph(store)
    down = viz.hierarchy_tree(h, root="Main/RootA", depth=1)
    assert {s.trope for s in down.sectors if s.trope} == {"Main/RootA", "Main/A1", "Main/A2",
                                                         "Main/EvilTrope"}
    assert "Cut at depth 1" in " ".join(down.notes)
    up = viz.hierarchy_tree(h, root="Main/A111", direction="up")
    assert [s.trope for s in up.sectors] == ["Main/A111", "Main/A11", "Main/A1", "Main/RootA"]
    both = viz.hierarchy_tree(h, root="Main/A11", direction="both")
    assert {s.trope for s in both.sectors if s.trope} == {"Main/A11", "Main/A111", "Main/A1", "Main/RootA"}
    with pytest.raises(viz.VizError, match="needs --root"):
        viz.hierarchy_tree(h, direction="up")


def test_graphviz_missing_is_one_clear_message(store, monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(viz.VizError, match="apt-get install graphviz"):
        viz.hierarchy_figure(store).write(tmp_path / "h.svg")
    with pytest.raises(viz.VizError, match="use .html, .svg or .png"):
        viz.hierarchy_figure(store).write(tmp_path / "h.pdf")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz (apt-get install graphviz) is not installed")
def test_static_pictures_show_page_text_literally(store, pages, tmp_path):
    svg = pages["svg"].read_text(encoding="utf-8")
    assert "<script" not in svg and "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in svg
    assert 'xlink:href="https://tvtropes.org/pmwiki/pmwiki.php/Main/RootA"' in svg
    png = viz.neighbourhood_figure(store, "A1").write(tmp_path / "n.png").read_bytes()
    assert png.startswith(b"\x89PNG")


def test_the_figure_displays_in_a_notebook_inside_a_sandboxed_frame(store):
    shown = viz.hierarchy_figure(store, root="RootA")._repr_html_()
    assert shown.startswith('<iframe sandbox="allow-scripts allow-popups"')
    assert "<script>" not in shown  # the whole page is an escaped attribute value
    srcdoc = html.unescape(re.search(r'srcdoc="([^"]*)"', shown).group(1))
    assert "Content-Security-Policy" in srcdoc


def test_viz_commands_write_pages_and_report_sampling_on_stderr(store, tmp_path):
    path = tmp_path / "kg"
    disk = GraphStore(path)
    disk.store.extend(store.store.quads_for_pattern(None, None, None))
    disk.store.flush()
    del disk
    runner = CliRunner()
    out = tmp_path / "h.html"
    result = runner.invoke(viz_group, ["hierarchy", "--store", str(path), "--max-nodes", "10", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Sampled" in result.stderr and out.stat().st_size > 1_000_000
    result = runner.invoke(viz_group, ["neighbourhood", "A1", "--store", str(path), "-o",
                                       str(tmp_path / "n.html")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(viz_group, ["neighbourhood", "Nope", "--store", str(path), "-o",
                                       str(tmp_path / "x.html")])
    assert result.exit_code == 2 and "no trope 'Nope'" in result.stderr


# -- in a real browser --------------------------------------------------------------------------

@dataclass
class OpenPage:
    page: object
    requests: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def slice_texts(self) -> list[str]:
        return self.page.eval_on_selector_all("#tk-figure g.slice text", "els => els.map(e => e.textContent)")

    def assert_offline(self, page_file: Path) -> None:
        others = [u for u in self.requests if u != page_file.as_uri() and not u.startswith(("data:", "blob:"))]
        assert others == [], f"the page made requests: {others}"
        assert self.errors == []


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: apt-get install chromium (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def open_page(browser):
    opened = []

    def _open(path: Path, ready: bool = True) -> OpenPage:
        page = browser.new_page(viewport={"width": 1300, "height": 850})
        result = OpenPage(page)
        page.on("request", lambda r: result.requests.append(r.url))
        page.on("requestfinished", lambda r: result.finished.append(r.url))
        page.on("pageerror", lambda e: result.errors.append(str(e)))
        page.goto(path.as_uri())
        if ready:
            page.wait_for_selector("body[data-tropekg-ready]", timeout=20_000)
        opened.append(page)
        return result

    yield _open
    for page in opened:
        page.close()


def level(page) -> str:
    return page.evaluate("document.getElementById('tk-figure')._fullData[0].level || ''")


def test_the_hierarchy_renders_its_tropes(open_page, pages):
    p = open_page(pages["hierarchy"])
    texts = p.slice_texts()
    for label in ("All tropes", "RootA", "RootB", "A1", "A111", "Outside the hierarchy (10)", EVIL_LABEL):
        assert label in texts
    assert texts.count("Shared" + viz.MULTI_PARENT_MARK) == 2
    titles = p.page.eval_on_selector_all(".modebar-btn", "els => els.map(e => e.getAttribute('data-title'))")
    assert not any("Share" in (t or "") or "Cloud" in (t or "") for t in titles)
    p.assert_offline(pages["hierarchy"])


def test_clicking_a_sector_expands_it_and_clicking_again_goes_back(open_page, pages):
    p = open_page(pages["hierarchy"])
    before = p.page.screenshot()
    assert "RootB" in p.slice_texts()
    p.page.locator("#tk-figure g.slice", has_text=re.compile(r"^RootA$")).first.click()
    p.page.wait_for_function("document.getElementById('tk-figure')._fullData[0].level")
    p.page.wait_for_timeout(900)  # the zoom is animated
    texts = p.slice_texts()
    assert "RootB" not in texts and "A111" in texts
    assert p.page.screenshot() != before
    # the click also shows the trope and its link in the panel, without leaving the page
    assert p.page.text_content("#tk-name") == "RootA"
    link = p.page.locator("#tk-link")
    assert link.get_attribute("href") == "https://tvtropes.org/pmwiki/pmwiki.php/Main/RootA"
    assert link.get_attribute("target") == "_blank"
    # clicking the sector at the top of the view goes back up
    p.page.locator("#tk-figure g.slice", has_text=re.compile(r"^RootA$")).first.click()
    p.page.wait_for_timeout(900)
    assert "RootB" in p.slice_texts()
    p.assert_offline(pages["hierarchy"])


def test_search_finds_and_focuses_a_trope(open_page, pages):
    p = open_page(pages["hierarchy"])
    p.page.fill("#tk-query", "a11")
    p.page.press("#tk-query", "Enter")
    p.page.wait_for_timeout(900)
    assert p.page.text_content("#tk-status").startswith("Found Main/A11 (1 of 2")
    assert p.page.text_content("#tk-name") == "A11"
    texts = p.slice_texts()
    assert "A111" in texts and "RootB" not in texts
    p.page.fill("#tk-query", "Shared")
    p.page.press("#tk-query", "Enter")
    p.page.wait_for_timeout(900)
    assert "(1 of 2" in p.page.text_content("#tk-status")
    first = level(p.page)
    p.page.press("#tk-query", "Enter")  # again: the other place it appears
    p.page.wait_for_timeout(900)
    assert "(2 of 2" in p.page.text_content("#tk-status") and level(p.page) != first
    p.page.fill("#tk-query", "no such trope")
    p.page.press("#tk-query", "Enter")
    assert p.page.text_content("#tk-status").startswith("No trope matching")
    p.assert_offline(pages["hierarchy"])


def test_the_screenshot_is_not_blank(open_page, pages):
    from PIL import Image

    p = open_page(pages["hierarchy"])
    image = Image.open(io.BytesIO(p.page.screenshot())).convert("RGB")
    assert len(image.getcolors(maxcolors=1_000_000)) > 50


def test_a_planted_script_does_not_run_and_shows_as_text(open_page, pages):
    p = open_page(pages["hierarchy"])
    evil = p.page.locator("#tk-figure g.slice", has_text="__pwned").first
    evil.hover()
    p.page.wait_for_timeout(300)
    hover = p.page.text_content(".hoverlayer")
    assert EVIL_LABEL in hover and "<img src=x onerror=" in hover
    evil.click()
    p.page.wait_for_timeout(900)
    assert p.page.text_content("#tk-name") == EVIL_LABEL
    assert p.page.text_content("#tk-desc") == EVIL_DESCRIPTION
    assert p.page.locator("#tk-info img, #tk-info b, #tk-figure img, #tk-figure script").count() == 0
    assert p.page.evaluate("typeof window.__pwned") == "undefined"
    p.assert_offline(pages["hierarchy"])


def test_the_policy_blocks_remote_loads(open_page, pages):
    p = open_page(pages["hierarchy"])
    blocked = p.page.evaluate("""() => new Promise(resolve => {
        document.addEventListener('securitypolicyviolation', e => resolve(e.blockedURI));
        const img = document.createElement('img');
        img.src = 'http://127.0.0.1:9/blocked.png';
        document.body.appendChild(img);
        setTimeout(() => resolve(null), 3000);
    })""")
    assert blocked == "http://127.0.0.1:9/blocked.png"
    p.page.wait_for_timeout(200)
    assert p.finished == [pages["hierarchy"].as_uri()]
    assert p.errors == []


def test_the_sunburst_expands_too(open_page, pages):
    p = open_page(pages["sunburst"])
    assert "A1" in p.slice_texts() and "A111" in p.slice_texts()
    p.page.locator("#tk-figure g.slice", has_text=re.compile(r"^A1$")).first.click()
    p.page.wait_for_function("document.getElementById('tk-figure')._fullData[0].level")
    p.page.wait_for_timeout(900)
    assert "A2" not in p.slice_texts()
    p.assert_offline(pages["sunburst"])


def test_the_neighbourhood_renders_with_labelled_edges(open_page, pages):
    p = open_page(pages["neighbourhood"])
    text = p.page.text_content("#tk-figure")
    for expected in (EVIL_LABEL, "RootA", "A1", "sub-trope of", "compare with"):
        assert expected in text
    data = p.page.evaluate("document.getElementById('tk-figure').data.map(t => t.name)")
    assert "super-tropes" in data and "related by a note" in data
    p.page.fill("#tk-query", "RootA")
    p.page.press("#tk-query", "Enter")
    assert p.page.text_content("#tk-name") == "RootA"
    assert p.page.evaluate("typeof window.__pwned") == "undefined"
    assert p.page.locator("#tk-figure img").count() == 0
    p.assert_offline(pages["neighbourhood"])


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz (apt-get install graphviz) is not installed")
def test_the_static_svg_runs_nothing_in_a_browser(open_page, pages):
    p = open_page(pages["svg"], ready=False)
    p.page.wait_for_timeout(300)
    assert p.page.evaluate("typeof window.__pwned") == "undefined"
    assert EVIL_LABEL in p.page.text_content("svg")
    assert json.dumps(p.requests) == json.dumps([pages["svg"].as_uri()])
