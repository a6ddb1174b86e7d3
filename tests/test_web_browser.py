"""The site as a person uses it: ``tropekg serve`` running on 127.0.0.1 (a free port, stopped by its
PID), Debian's chromium driven by Playwright. A trope page and a sub-trope link, the hierarchy
opened three levels deep and a cycle, search by a partial title, a spoiler revealed, the
neighbourhood re-centring, a saved query run from the API, resources fetched as Turtle and JSON-LD
and parsed, planted scripts that never run, no request leaving 127.0.0.1, and screenshots that are
not blank (``--save-screenshots`` keeps them in docs/screenshots for the README)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
import pytest
import rdflib

from .test_viz_browser import CHROMIUM, CHROMIUM_ARGS
from .web_site import (
    EVIL_IMG,
    EVIL_LABEL,
    EVIL_SCRIPT,
    RES,
    children_of,
    planted_store,
    running_site,
)

SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: apt-get install chromium (make test installs it)")
    store = planted_store(tmp_path_factory.mktemp("browsed"))
    with running_site(store) as running:
        yield running


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def requests_seen():
    return []


@pytest.fixture
def open_page(browser, site, requests_seen):
    opened = []

    def _open(path: str, width: int = 1280, height: int = 860):
        page = browser.new_page(viewport={"width": width, "height": height})
        page.errors = []
        # requests that got an answer: the policy test below plants one that must never get one
        page.on("requestfinished", lambda r: requests_seen.append(r.url))
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.goto(site.url + path)
        page.wait_for_load_state("networkidle")
        opened.append(page)
        return page

    yield _open
    for page in opened:
        assert page.errors == [], page.errors
        assert page.evaluate("typeof window.__pwned") == "undefined"
        page.close()


def screenshot(page, name: str, request) -> bytes:
    from PIL import Image

    png = page.screenshot()
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert len(image.getcolors(maxcolors=1_000_000)) > 40, f"{name} looks blank"
    if request.config.getoption("--save-screenshots"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        small = image.resize((image.width * 3 // 4, image.height * 3 // 4))
        small.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(SCREENSHOTS / f"{name}.png", optimize=True)
    return png


def test_a_trope_page_and_a_sub_trope(open_page, request):
    page = open_page("/resource/Main/NeverHurtAnInnocent")
    assert page.text_content("h1") == "Never Hurt an Innocent"
    page.click("#sub-tropes a:text-is('Would Not Shoot a Good Guy')")
    page.wait_for_url(re.compile(r"/resource/Main/WouldNotShootAGoodGuy$"))
    assert page.text_content("h1") == "Would Not Shoot a Good Guy"
    trails = page.eval_on_selector_all(".breadcrumbs ol", "ols => ols.map(o => o.innerText.replace(/\\s+/g, ' '))")
    assert len(trails) == 2
    screenshot(page, "trope", request)


def test_a_spoiler_stays_hidden_until_clicked(open_page):
    page = open_page("/resource/Main/WouldNotShootAGoodGuy")
    spoiler = page.locator("li.example .spoiler", has_text="somebody else does the killing").first
    spoiler.scroll_into_view_if_needed()
    hidden = spoiler.evaluate("e => getComputedStyle(e).color")
    assert hidden == "rgba(0, 0, 0, 0)"
    spoiler.click()
    shown = spoiler.evaluate("e => getComputedStyle(e).color")
    assert shown != hidden and "revealed" in spoiler.get_attribute("class")


def test_the_hierarchy_opens_three_levels_and_marks_a_cycle(open_page, request):
    page = open_page("/hierarchy")
    top = page.locator("#tree li[data-path='Main/NeverHurtAnInnocent']")
    top.locator(":scope > .row > button.toggle").click()
    second = top.locator("li[data-path='Main/WouldNotShootAGoodGuy']")
    second.wait_for()
    assert "2 parents" in second.locator(":scope > .row .multi").text_content()
    second.locator(":scope > .row > button.toggle").click()
    third = second.locator("li[data-path='Main/DeepRestraint']")
    third.wait_for()
    assert third.locator(":scope > .row a").text_content() == "Deep Restraint"
    # the same trope under its other parent
    other = page.locator("#tree li[data-path='Main/FriendOrFoe']")
    other.locator(":scope > .row > button.toggle").click()
    other.locator("li[data-path='Main/WouldNotShootAGoodGuy']").wait_for()
    # a cycle: CycleA > CycleB > CycleA is shown once more, marked, and cannot be opened again
    cycle = page.locator("#tree > ul > li[data-path='Main/CycleA']")
    cycle.locator(":scope > .row > button.toggle").click()
    b = cycle.locator("li[data-path='Main/CycleB']")
    b.locator(":scope > .row > button.toggle").click()
    again = b.locator("li[data-path='Main/CycleA']")
    again.wait_for()
    assert again.locator(".cycle-mark").count() == 1 and again.locator("button.toggle").count() == 0
    # a planted label is shown as text in the tree
    evil = top.locator("li[data-path='Main/EvilTrope'] > .row a")
    assert evil.text_content() == EVIL_LABEL
    screenshot(page, "hierarchy", request)


def test_find_a_trope_in_the_tree_by_a_partial_title(open_page):
    page = open_page("/hierarchy")
    page.fill("#tree-find", "deep rest")
    page.locator("#tree-suggestions a", has_text="Deep Restraint").wait_for()
    page.keyboard.press("Enter")
    found = page.locator("#tree .row.found")
    found.wait_for()
    assert found.locator("a").text_content() == "Deep Restraint"
    assert "one of 2" in page.text_content("#tree-status")


def test_search_as_you_type_and_the_search_page(open_page, request):
    page = open_page("/")
    page.fill(".top-search input", "would not sh")
    page.locator(".top-search .suggestions a", has_text="Would Not Shoot a Good Guy").wait_for()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/resource/Main/WouldNotShootAGoodGuy$"))
    page.fill(".top-search input", "pursuers")
    page.press(".top-search input", "Enter")
    page.wait_for_url(re.compile(r"/search\?q=pursuers"))
    assert page.locator("ol.hits li a").first.text_content() == "Would Not Shoot a Good Guy"
    assert page.locator("ol.hits mark").first.text_content() == "pursuers"
    screenshot(page, "search", request)


def test_the_neighbourhood_recentres_on_a_click(open_page, request):
    page = open_page("/neighbourhood?trope=Main/WouldNotShootAGoodGuy")
    page.locator("#neighbourhood g.node[data-path='Main/DeepRestraint']").wait_for()
    screenshot(page, "neighbourhood", request)
    page.locator("#neighbourhood g.node[data-path='Main/NeverHurtAnInnocent']").click()
    # (wait_for_function would evaluate a string, which the page's policy rightly forbids)
    page.locator("#neighbourhood[data-trope='Main/NeverHurtAnInnocent']").wait_for()
    assert page.text_content("#centre-link") == "Never Hurt an Innocent"
    assert page.locator("#neighbourhood g.node[data-path='Main/ThouShaltNotKill']").count() == 1
    assert page.url.endswith("/neighbourhood?trope=Main%2FNeverHurtAnInnocent")
    page.go_back()
    page.locator("#neighbourhood[data-trope='Main/WouldNotShootAGoodGuy']").wait_for()


def test_a_saved_query_runs_from_the_api_page(open_page):
    page = open_page("/queries")
    form = page.locator("#q-works-for-trope form")
    form.locator("input[name=trope]").fill("Main/WouldNotShootAGoodGuy")
    form.locator("button").click()
    page.wait_for_url(re.compile(r"/api/queries/works-for-trope\?trope=Main%2FWouldNotShootAGoodGuy&format=json"))
    import json

    data = json.loads(page.locator("body").inner_text())
    assert RES + "Film/TheDarkKnight" in {b["work"]["value"] for b in data["results"]["bindings"]}


def test_the_sparql_page_runs_an_example(open_page, request):
    page = open_page("/sparql")
    page.select_option("#examples", "works-for-trope")
    assert "VALUES" in page.input_value("#query")
    page.click(".sparql-form button")
    page.locator("table.results").wait_for()
    assert page.locator("table.results tbody tr").count() > 3
    screenshot(page, "sparql", request)


def test_planted_markup_never_runs(open_page):
    page = open_page("/resource/Main/EvilTrope")
    assert page.text_content("h1") == EVIL_LABEL
    description = page.text_content("p.description")
    assert EVIL_SCRIPT in description and EVIL_IMG in description
    assert page.locator("main img, main b, main script").count() == 0
    page.locator(".spoiler").first.click()
    assert EVIL_SCRIPT in page.locator(".spoiler").first.text_content()
    for path in ("/search?q=evil", "/resource/Film/TheDarkKnight", "/resource/Main/NeverHurtAnInnocent"):
        other = open_page(path)
        assert other.locator("main img, main script").count() == 0
    # the JSON the scripts read carries the raw text; the tree writes it as text
    tree = open_page("/hierarchy")
    tree.fill("#tree-find", "evil")
    tree.locator("#tree-suggestions a").first.wait_for()
    assert EVIL_LABEL in tree.text_content("#tree-suggestions")
    assert tree.locator("#tree-suggestions img, #tree-suggestions script").count() == 0


def test_the_policy_blocks_anything_off_the_site(open_page):
    page = open_page("/resource/Main/WouldNotShootAGoodGuy")
    blocked = page.evaluate("""() => new Promise(resolve => {
        document.addEventListener('securitypolicyviolation', e => resolve(e.blockedURI));
        const img = document.createElement('img');
        img.src = 'http://127.0.0.2:9/blocked.png';
        document.body.appendChild(img);
        setTimeout(() => resolve(null), 3000);
    })""")
    assert blocked == "http://127.0.0.2:9/blocked.png"


def test_resources_fetched_as_turtle_and_json_ld(site):
    trope = rdflib.URIRef(RES + "Main/WouldNotShootAGoodGuy")
    for accept, fmt in (("text/turtle", "turtle"), ("application/ld+json", "json-ld")):
        r = httpx.get(site.url + "/resource/Main/WouldNotShootAGoodGuy", headers={"Accept": accept})
        assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
        g = rdflib.Graph().parse(data=r.text, format=fmt)
        assert (trope, rdflib.RDFS.label, None) in g
        assert (trope, rdflib.URIRef("https://w3id.org/tropekg/ontology#subTropeOf"), None) in g
    rebinding = httpx.get(site.url + "/", headers={"Host": "attacker.example"})
    assert rebinding.status_code == 400


def test_no_request_left_127_0_0_1(site, requests_seen):
    # runs after the browsing tests above (pytest keeps file order)
    assert requests_seen, "no page was opened"
    outside = [u for u in requests_seen if not u.startswith(site.url + "/") and not u.startswith("data:")]
    assert outside == [], outside


def test_stopping_serve_by_its_pid_stops_its_workers(tmp_path):
    store = planted_store(tmp_path)
    with running_site(store) as running:
        httpx.get(running.url + "/sparql", params={"query": "ASK {}"})  # workers are up
        workers = children_of(running.pid)
        assert len(workers) >= 1
        bound = httpx.get(running.url + "/", timeout=5)
        assert bound.status_code == 200
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists(), f"worker {pid} outlived tropekg serve"
