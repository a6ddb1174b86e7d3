"""``tropekg fetch`` against a real HTTP server on 127.0.0.1 (tests/wiki_server.py): politeness
(delays measured on the server, robots.txt, one connection, User-Agent), failures (busy, failing,
slow, off-site, not HTML, too big), resuming after SIGKILL without fetching anything twice,
--refresh, depth and namespace limits, the summary and the exit codes."""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tropekg import __version__
from tropekg.cli import cli
from tropekg.readers.crawl import CrawlError, CrawlSettings, Site, crawl, read_links

from .wiki_server import (
    SHARED_HTML,
    WIKI,
    Reply,
    WikiServer,
    busy_then,
    dripping,
    error_then,
    http_date_in,
    page,
    redirect,
    shared_page,
    slow,
    status,
    wiki_page,
)

DELAY = 0.05
CONTACT = "crawler-tests@example.org"
ROBOTS = f"""# the crawler's tests
User-agent: SomeOtherBot
Disallow: /

User-agent: *
Disallow: {WIKI}Main/Forbidden
Disallow: {WIKI}Film/Secret
"""
PAGE_FILE = re.compile(r"[A-Z][A-Za-z0-9]*/[A-Za-z0-9]+\.html")


def fetch(wiki: WikiServer, out: Path, *args: str):
    """Run ``tropekg fetch`` in process against the wiki."""
    return CliRunner().invoke(cli, ["fetch", *args, "-o", str(out), "--site", wiki.url,
                                    "--delay", str(DELAY), "--contact", CONTACT],
                              catch_exceptions=False)


def saved(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.glob("*/*.html")}


def gaps(requests) -> list[float]:
    return [b.time - a.time for a, b in itertools.pairwise(requests)]


# -- the generated wiki --------------------------------------------------------------------------

OTHER_SITE_ROUTES = {f"{WIKI}Main/Elsewhere": page(wiki_page("Main/Elsewhere")),
                     f"{WIKI}Main/Outside": page(wiki_page("Main/Outside"))}


def generated_wiki(root: str, other: str) -> dict:
    """Main/Alpha links to every kind of page a crawler meets; ``other`` is another site."""
    def p(title, links=(), **kw):
        return wiki_page(title, list(links), site=root, **kw)

    alpha_links = [
        "Main/Beta", "Film/Gamma", f"{root}{WIKI}Main/Delta", "Main/Forbidden", "Film/Secret",
        "YMMV/Alpha", "Main/Busy", "Main/BusyDate", "Main/Flaky", "Main/Broken", "Main/OldName",
        "Main/Away", "Main/Sneaky", "Main/Picture", "Main/Missing", "Main/Impostor", "Main/Mirror",
        f"{other}{WIKI}Main/Outside",                                   # another site: never asked
        f"{WIKI}Main/../../../../etc/passwd", f"{WIKI}Main/Foo?action=edit",  # not page titles
        f"{WIKI}Main/Bad%2F..%2Fname", f"{WIKI}Main/Two/Deep", "Main/Beta#anchor",
    ]
    extra = (f'<p><a class="createlink" href="{WIKI}Main/NotYet">not yet</a> '
             f'<a class="urllink" href="{WIKI}Main/External">elsewhere</a> '
             f'<a href="{WIKI}Main/Plain">plain</a></p>')
    return {
        f"{WIKI}Main/Alpha": page(p("Main/Alpha", alpha_links, extra=extra)),
        f"{WIKI}Main/Beta": page(p("Main/Beta", ["Main/Deep1", "Main/Alpha"])),
        f"{WIKI}Main/Deep1": page(p("Main/Deep1", ["Main/Deep2"])),
        f"{WIKI}Main/Deep2": page(p("Main/Deep2")),
        f"{WIKI}Film/Gamma": page(p("Film/Gamma", ["Main/Deep1"])),
        f"{WIKI}Main/Delta": page(p("Main/Delta")),
        f"{WIKI}Main/Forbidden": page(p("Main/Forbidden")),
        f"{WIKI}Film/Secret": page(p("Film/Secret")),
        f"{WIKI}YMMV/Alpha": page(p("YMMV/Alpha")),
        f"{WIKI}Main/Busy": busy_then(p("Main/Busy"), lambda: "1"),
        f"{WIKI}Main/BusyDate": busy_then(p("Main/BusyDate"), lambda: http_date_in(2), status=503),
        f"{WIKI}Main/Flaky": error_then(p("Main/Flaky")),
        f"{WIKI}Main/Broken": error_then(b"", times=10**6),
        f"{WIKI}Main/OldName": redirect(f"{WIKI}Main/NewName"),
        f"{WIKI}Main/NewName": page(p("Main/NewName")),
        f"{WIKI}Main/Away": redirect(f"{other}{WIKI}Main/Elsewhere", 302),
        f"{WIKI}Main/Sneaky": redirect(f"{WIKI}Main/..%2F..%2F..%2Fescaped", 302),
        f"{WIKI}Main/Picture": page(b"\x89PNG\r\n\x1a\n", "image/png"),
        # served in place of pages they are not: their canonical link says which page they are
        f"{WIKI}Main/Impostor": page(p("Main/Impostor", canonical=f"{root}{WIKI}Main/Alpha")),
        f"{WIKI}Main/Mirror": page(p("Main/Mirror", canonical=f"{WIKI}Main/MirrorTarget")),
    }


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """One crawl of the generated wiki from Main/Alpha, depth 1, through the CLI."""
    out = tmp_path_factory.mktemp("crawl") / "pages"
    with WikiServer(OTHER_SITE_ROUTES) as other:
        with WikiServer({}, ROBOTS) as wiki:
            wiki.routes.update(generated_wiki(wiki.url, other.url))
            started = time.monotonic()
            result = fetch(wiki, out, "Main/Alpha", "--depth", "1")
            elapsed = time.monotonic() - started
            rerun = fetch(wiki, out, "Main/Alpha", "--depth", "1")
        yield {"out": out, "wiki": wiki, "other": other, "result": result, "elapsed": elapsed,
               "rerun": rerun}


def first_run(crawled):
    """The server's log of the first run only (the fixture also ran it again)."""
    log = crawled["wiki"].requests()
    robots = [i for i, r in enumerate(log) if r.path == "/robots.txt"]
    return log[:robots[1]] if len(robots) > 1 else log


def test_fetches_the_pages_in_reach_and_saves_them_for_build(crawled):
    out = crawled["out"]
    assert saved(out) == {
        "Main/Alpha.html", "Main/Beta.html", "Film/Gamma.html", "Main/Delta.html",
        "Main/Busy.html", "Main/BusyDate.html", "Main/Flaky.html", "Main/NewName.html",
        "Main/MirrorTarget.html",
    }
    # byte for byte what the server sent
    assert (out / "Main/Beta.html").read_bytes() == wiki_page(
        "Main/Beta", ["Main/Deep1", "Main/Alpha"], site=crawled["wiki"].url)
    # the impostor's page claimed to be Main/Alpha: it did not overwrite the real one
    assert b"The page Alpha," in (out / "Main/Alpha.html").read_bytes()


def test_redirects_within_the_site_become_sorted_aliases(crawled):
    assert (crawled["out"] / "aliases.tsv").read_text(encoding="utf-8") == (
        "Main/Impostor\tMain/Alpha\n"
        "Main/Mirror\tMain/MirrorTarget\n"
        "Main/OldName\tMain/NewName\n"
    )


def test_never_leaves_the_site_nor_follows_what_is_not_a_wiki_link(crawled):
    wiki, other = crawled["wiki"], crawled["other"]
    assert other.requests() == []  # neither the off-site link nor the off-site redirect
    asked = set(wiki.page_paths())
    for never in ("Main/Deep1", "Main/Deep2", "YMMV/Alpha", "Main/NotYet", "Main/External",
                  "Main/Plain", "Main/Tropes", "Main/Media", "Main/Advert", "Main/Foo",
                  "Main/Two/Deep", "Main/Outside"):
        assert never not in asked, never
    assert all(r.path.startswith(WIKI) or r.path == "/robots.txt" for r in wiki.requests())
    assert not any(".." in r.path or "%" in r.path or "?" in r.path for r in wiki.requests()
                   if r.path != f"{WIKI}Main/Sneaky")


def test_robots_txt_is_read_first_and_obeyed(crawled):
    log = first_run(crawled)
    assert log[0].path == "/robots.txt"
    assert sum(r.path == "/robots.txt" for r in log) == 1
    assert crawled["wiki"].count(f"{WIKI}Main/Forbidden") == 0
    assert crawled["wiki"].count(f"{WIKI}Film/Secret") == 0
    summary = crawled["result"].output
    assert "refused:  2 by robots.txt" in summary
    assert f"{crawled['wiki'].url}{WIKI}Main/Forbidden" in summary


def test_every_page_is_asked_once_and_retries_are_bounded(crawled):
    counts = {}
    for path in (r.path for r in first_run(crawled)):
        counts[path] = counts.get(path, 0) + 1
    twice = {f"{WIKI}Main/{name}" for name in ("Busy", "BusyDate", "Flaky")}
    for path, n in counts.items():
        if path == f"{WIKI}Main/Broken":
            assert n == 4  # the first try and three more, then it gives up
        else:
            assert n == (2 if path in twice else 1), path


def test_delays_are_kept_and_busy_answers_waited_out(crawled):
    log = first_run(crawled)
    assert min(gaps(log)) >= DELAY
    busy = crawled["wiki"].requests(f"{WIKI}Main/Busy")
    assert busy[1].time - busy[0].time >= 1.0  # Retry-After: 1
    dated = crawled["wiki"].requests(f"{WIKI}Main/BusyDate")
    assert dated[1].time - dated[0].time >= 0.9  # Retry-After: an HTTP date 1-2 s ahead


def test_one_connection_kept_alive_with_our_user_agent(crawled):
    wiki = crawled["wiki"]
    assert wiki.most_open_connections == 1
    log = first_run(crawled)
    assert len({r.connection for r in log}) < len(log) / 2  # the connection is reused
    for r in wiki.requests():
        assert r.user_agent.startswith(f"tropekg/{__version__} ")
        assert CONTACT in r.user_agent


def test_the_summary_names_each_failure_and_the_exit_code_is_3(crawled):
    result, url = crawled["result"], crawled["wiki"].url
    assert result.exit_code == 3
    out = result.output
    assert "fetched:  9 pages" in out
    assert "skipped:  0" in out
    assert "failed:   5" in out
    assert f"{url}{WIKI}Main/Broken: server error 500 (4 tries)" in out
    assert f"{url}{WIKI}Main/Away: redirected off the site to {crawled['other'].url}" in out
    assert f"{url}{WIKI}Main/Sneaky: redirected to" in out and "not a wiki page" in out
    assert f"{url}{WIKI}Main/Picture: content type 'image/png' is not HTML" in out
    assert f"{url}{WIKI}Main/Missing: no such page (404)" in out


def test_a_rerun_fetches_nothing_saved_and_goes_straight_to_aliases(crawled):
    rerun = crawled["rerun"]
    log = crawled["wiki"].requests()
    second = log[[i for i, r in enumerate(log) if r.path == "/robots.txt"][1]:]
    asked = {r.path[len(WIKI):] for r in second[1:]}
    # only what failed is asked again; nothing saved, and no alias (OldName, Impostor, Mirror)
    assert asked == {"Main/Broken", "Main/Away", "Main/Sneaky", "Main/Picture", "Main/Missing"}
    assert "fetched:  0 pages" in rerun.output and "skipped:  9" in rerun.output
    assert rerun.exit_code == 3


def test_nothing_is_written_outside_the_folder(crawled):
    out = crawled["out"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["pages"]
    files = [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()]
    for name in files:
        assert PAGE_FILE.fullmatch(name) or name == "aliases.tsv" or name.startswith(".crawl/"), name


# -- limits --------------------------------------------------------------------------------------

@pytest.fixture
def small_wiki():
    with WikiServer({}, ROBOTS) as wiki:
        root = wiki.url
        wiki.routes.update({
            f"{WIKI}Main/Alpha": page(wiki_page("Main/Alpha", ["Main/Beta", "Film/Gamma", "YMMV/Alpha",
                                                               "TheSeries/TropesAToM"], site=root)),
            f"{WIKI}Main/Beta": page(wiki_page("Main/Beta", ["Main/Deep1"], site=root)),
            f"{WIKI}Film/Gamma": page(wiki_page("Film/Gamma", ["Main/Deep1", "Film/Deep3"], site=root)),
            f"{WIKI}Main/Deep1": page(wiki_page("Main/Deep1", ["Main/Deep2"], site=root)),
            f"{WIKI}Film/Deep3": page(wiki_page("Film/Deep3", site=root)),
            f"{WIKI}Main/Deep2": page(wiki_page("Main/Deep2", site=root)),
            f"{WIKI}YMMV/Alpha": page(wiki_page("YMMV/Alpha", site=root)),
            f"{WIKI}TheSeries/TropesAToM": page(wiki_page("TheSeries/TropesAToM", site=root)),
        })
        yield wiki


@pytest.mark.parametrize(("args", "expected"), [
    (["--depth", "0"], ["Main/Alpha"]),
    (["--depth", "1"], ["Main/Alpha", "Main/Beta", "Film/Gamma"]),
    (["--depth", "2"], ["Main/Alpha", "Main/Beta", "Film/Gamma", "Main/Deep1", "Film/Deep3"]),
    (["--depth", "2", "--namespaces", "Main"], ["Main/Alpha", "Main/Beta", "Main/Deep1"]),
    (["--depth", "1", "--namespaces", "main,film,YMMV,TheSeries"],
     ["Main/Alpha", "Main/Beta", "Film/Gamma", "YMMV/Alpha", "TheSeries/TropesAToM"]),
    (["--depth", "3", "--max-pages", "3"], ["Main/Alpha", "Main/Beta", "Film/Gamma"]),
    (["--depth", "1", "--namespaces", "Film"], ["Main/Alpha", "Film/Gamma"]),  # seeds: always
])
def test_depth_namespaces_and_max_pages(small_wiki, tmp_path, args, expected):
    result = fetch(small_wiki, tmp_path / "pages", "Main/Alpha", *args)
    assert result.exit_code == 0, result.output
    assert small_wiki.page_paths() == expected  # breadth first, in the pages' link order
    assert saved(tmp_path / "pages") == {f"{t}.html" for t in expected}
    if "--max-pages" in args:
        assert "not reached: 2 pages beyond --max-pages" in result.output


def test_seeds_from_a_file_and_as_urls(small_wiki, tmp_path):
    titles = tmp_path / "titles.txt"
    titles.write_text("# seeds\nMain/Beta\n\n  Film.Gamma  \n", encoding="utf-8")
    result = fetch(small_wiki, tmp_path / "pages", "--from-file", str(titles), "--depth", "0",
                   f"{small_wiki.url}{WIKI}Main/Deep2")
    assert result.exit_code == 0, result.output
    assert sorted(small_wiki.page_paths()) == ["Film/Gamma", "Main/Beta", "Main/Deep2"]


def test_delay_between_requests_is_measured_on_the_server(small_wiki, tmp_path):
    result = CliRunner().invoke(cli, ["fetch", "Main/Alpha", "--depth", "2", "-o", str(tmp_path / "p"),
                                      "--site", small_wiki.url, "--delay", "0.3", "--contact", CONTACT])
    assert result.exit_code == 0, result.output
    log = small_wiki.requests()
    assert len(log) == 6
    assert min(gaps(log)) >= 0.3
    assert max(gaps(log)) < 1.5  # and no needless waiting


def test_robots_crawl_delay_wins_when_larger(tmp_path):
    with WikiServer({}, "User-agent: *\nCrawl-delay: 0.25\n", stub_unknown=True) as wiki:
        wiki.routes[f"{WIKI}Main/Alpha"] = page(wiki_page("Main/Alpha", ["Main/B", "Main/C", "Main/D"]))
        result = fetch(wiki, tmp_path / "p", "Main/Alpha")
        assert result.exit_code == 0, result.output
        assert min(gaps(wiki.requests())) >= 0.25  # from the first request after robots.txt
        assert "delay:    0.25 s" in result.output


def test_without_robots_txt_everything_is_allowed(tmp_path):
    with WikiServer({}, robots=None, stub_unknown=True) as wiki:
        result = fetch(wiki, tmp_path / "p", "Main/Forbidden")
        assert result.exit_code == 0, result.output
        assert wiki.page_paths() == ["Main/Forbidden"]


def test_an_unreachable_robots_txt_stops_the_crawl(tmp_path):
    with WikiServer({"/robots.txt": status(500)}, stub_unknown=True) as wiki:
        settings = CrawlSettings(site=Site.parse(wiki.url), delay=DELAY, retries=1)
        report = crawl(["Main/Alpha"], tmp_path / "p", settings)
        assert wiki.page_paths() == []
        assert [f.url for f in report.failed] == [f"{wiki.url}/robots.txt"]
        assert "nothing is fetched" in report.failed[0].reason


# -- slow, endless and huge answers --------------------------------------------------------------

def test_a_slow_answer_times_out_after_bounded_tries(tmp_path):
    with WikiServer({f"{WIKI}Main/Slow": slow(wiki_page("Main/Slow"), 3.0)}) as wiki:
        started = time.monotonic()
        result = fetch(wiki, tmp_path / "p", "Main/Slow", "--timeout", "0.3")
        elapsed = time.monotonic() - started
        assert result.exit_code == 3
        assert "Main/Slow: no answer within the 0.3 s timeout (4 tries)" in result.output
        assert wiki.count(f"{WIKI}Main/Slow") == 4
        assert elapsed < 6


def test_an_endless_trickle_hits_the_overall_deadline(tmp_path):
    with WikiServer({f"{WIKI}Main/Drip": dripping(10_000, 0.05)}) as wiki:
        settings = CrawlSettings(site=Site.parse(wiki.url), delay=DELAY, timeout=0.3, retries=0)
        started = time.monotonic()
        report = crawl(["Main/Drip"], tmp_path / "p", settings)
        assert time.monotonic() - started < 3  # 1.2 s deadline, not the 500 s the trickle takes
        assert [f.reason for f in report.failed] == [
            "the answer took longer than the 1.2 s deadline (1 try)"]
        assert saved(tmp_path / "p") == set()


def test_huge_answers_are_refused(tmp_path):
    routes = {
        f"{WIKI}Main/Declared": lambda n: Reply(body=b"<html>", declared_length=30 * 1024 * 1024),
        f"{WIKI}Main/Endless": lambda n: Reply(body=b"<html>" + b"x" * 300_000, close_delimited=True),
        f"{WIKI}Main/Small": page(wiki_page("Main/Small")),
    }
    with WikiServer(routes) as wiki:
        settings = CrawlSettings(site=Site.parse(wiki.url), delay=DELAY, max_bytes=100_000)
        report = crawl(["Main/Declared", "Main/Endless", "Main/Small"], tmp_path / "p", settings)
    reasons = {f.url.rsplit("/", 1)[-1]: f.reason for f in report.failed}
    assert reasons == {"Declared": "the answer is 30.0 MB, more than the 100000 bytes cap (refused)",
                       "Endless": "the answer is more than the 100000 bytes cap (refused)"}
    assert saved(tmp_path / "p") == {"Main/Small.html"}


# -- real pages ----------------------------------------------------------------------------------

needs_shared_html = pytest.mark.skipif(not SHARED_HTML.is_dir(),
                                       reason=f"real pages not found at {SHARED_HTML}")


@needs_shared_html
def test_a_real_page_is_saved_byte_for_byte_and_its_absolute_links_stay_on_their_site(tmp_path):
    routes = {f"{WIKI}Literature/AWidowInWaiting": shared_page("Literature.AWidowInWaiting.html")}
    with WikiServer(routes, ROBOTS, stub_unknown=True) as wiki:
        result = fetch(wiki, tmp_path / "p", "Literature/AWidowInWaiting", "--depth", "2")
        assert result.exit_code == 0, result.output
        # its wiki links are all absolute https://tvtropes.org/... links: another site here
        assert wiki.page_paths() == ["Literature/AWidowInWaiting"]
    assert (tmp_path / "p/Literature/AWidowInWaiting.html").read_bytes() == (
        SHARED_HTML / "Literature.AWidowInWaiting.html").read_bytes()


@needs_shared_html
def test_a_real_page_s_links_are_followed_in_document_order(tmp_path):
    real = (SHARED_HTML / "Main.FriendOrFoe.html").read_bytes()
    # what a reader finds with a plain pattern, independent of the crawler's HTML parser
    found = re.findall(rb'class="twikilink" href="/pmwiki/pmwiki\.php/Main/([A-Za-z0-9]+)"', real)
    expected, seen = [], {"friendorfoe"}
    for name in (n.decode() for n in found):
        if name.casefold() not in seen:
            seen.add(name.casefold())
            expected.append(f"Main/{name}")
    routes = {f"{WIKI}Main/FriendOrFoe": shared_page("Main.FriendOrFoe.html")}
    with WikiServer(routes, ROBOTS, stub_unknown=True) as wiki:
        result = fetch(wiki, tmp_path / "p", "Main/FriendOrFoe", "--namespaces", "Main",
                       "--max-pages", "6")
        assert result.exit_code == 0, result.output
        assert wiki.page_paths() == ["Main/FriendOrFoe", *expected[:5]]
    assert (tmp_path / "p/Main/FriendOrFoe.html").read_bytes() == real
    links = read_links(real, f"https://tvtropes.org{WIKI}Main/FriendOrFoe",
                       Site.parse("https://tvtropes.org"))
    assert links.canonical == "Main/FriendOrFoe"
    assert [p for p in links.links if p.startswith("Main/") and p != "Main/FriendOrFoe"] == expected


# -- resuming ------------------------------------------------------------------------------------

def test_resume_after_sigkill_fetches_nothing_twice(tmp_path):
    names = [f"Page{i:02d}" for i in range(30)]
    reached = threading.Event()

    def on_request(path: str) -> None:
        if path == f"{WIKI}Main/Page10":
            reached.set()

    routes = {f"{WIKI}Main/Hub": page(wiki_page("Main/Hub", [f"Main/{n}" for n in names]))}
    routes.update({f"{WIKI}Main/{n}": page(wiki_page(f"Main/{n}")) for n in names})
    routes[f"{WIKI}Main/Page10"] = slow(wiki_page("Main/Page10"), 0.5)  # killed while it answers
    out = tmp_path / "pages"
    command = [sys.executable, "-m", "tropekg.cli", "fetch", "Main/Hub", "-o", str(out),
               "--delay", str(DELAY), "--contact", CONTACT, "--quiet"]
    with WikiServer(routes, ROBOTS, on_request=on_request) as wiki:
        command += ["--site", wiki.url]
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert reached.wait(timeout=60), "the crawl never reached Main/Page10"
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        at_kill = saved(out)
        first_requests = len(wiki.requests())
        assert "Main/Hub.html" in at_kill and "Main/Page09.html" in at_kill
        assert "Main/Page10.html" not in at_kill and "Main/Page29.html" not in at_kill

        done = subprocess.run(command, capture_output=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr.decode()
        second = [r.path[len(WIKI):] for r in wiki.requests()[first_requests:]
                  if r.path.startswith(WIKI)]
    assert saved(out) == {"Main/Hub.html", *(f"Main/{n}.html" for n in names)}
    for name in at_kill:
        assert name.removesuffix(".html") not in second, f"{name} was fetched again"
    assert sorted(second) == sorted(f"Main/{n}" for n in names if f"Main/{n}.html" not in at_kill)
    # every file whole: what the server sent, byte for byte
    for n in names:
        expected = wiki_page(f"Main/{n}")
        assert (out / f"Main/{n}.html").read_bytes() == expected
    assert not [p for p in out.rglob(".*.tmp")]


def test_stale_temporary_files_of_a_killed_crawl_are_removed(small_wiki, tmp_path):
    out = tmp_path / "pages"
    (out / "Main").mkdir(parents=True)
    stale = out / "Main" / ".Alpha.html.abc123.tmp"
    stale.write_bytes(b"<html>half a pa")
    assert fetch(small_wiki, out, "Main/Alpha", "--depth", "0").exit_code == 0
    assert not stale.exists()
    assert saved(out) == {"Main/Alpha.html"}


def test_a_page_saved_before_the_state_knew_it_is_read_from_disk(small_wiki, tmp_path):
    """Killed between the rename and the state's commit: the file is there, its links are not."""
    out = tmp_path / "pages"
    (out / "Main").mkdir(parents=True)
    (out / "Main" / "Alpha.html").write_bytes(wiki_page("Main/Alpha", ["Main/Beta"]))
    result = fetch(small_wiki, out, "Main/Alpha", "--depth", "1")
    assert result.exit_code == 0, result.output
    assert small_wiki.page_paths() == ["Main/Beta"]
    assert "skipped:  1" in result.output


def test_refresh_fetches_every_page_again(small_wiki, tmp_path):
    out = tmp_path / "pages"
    assert fetch(small_wiki, out, "Main/Alpha", "--depth", "1").exit_code == 0
    assert fetch(small_wiki, out, "Main/Alpha", "--depth", "1").exit_code == 0
    assert small_wiki.page_paths() == ["Main/Alpha", "Main/Beta", "Film/Gamma"]
    (out / "Main/Beta.html").write_bytes(b"an old copy")
    result = fetch(small_wiki, out, "Main/Alpha", "--depth", "1", "--refresh")
    assert result.exit_code == 0, result.output
    assert small_wiki.page_paths() == ["Main/Alpha", "Main/Beta", "Film/Gamma"] * 2
    assert (out / "Main/Beta.html").read_bytes() == small_wiki.routes[f"{WIKI}Main/Beta"](1).body


def test_a_folder_crawled_from_another_site_is_refused(small_wiki, tmp_path):
    out = tmp_path / "pages"
    assert fetch(small_wiki, out, "Main/Alpha", "--depth", "0").exit_code == 0
    result = CliRunner().invoke(cli, ["fetch", "Main/Alpha", "-o", str(out), "--site",
                                      "http://localhost:9", "--delay", "0.1"])
    assert result.exit_code == 2
    assert "holds a crawl of" in result.output


def test_two_crawls_in_one_folder_are_refused(small_wiki, tmp_path):
    out = tmp_path / "pages"
    (out / ".crawl").mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", ("import fcntl, sys, time; f = open(sys.argv[1], 'a'); "
                                "fcntl.lockf(f, fcntl.LOCK_EX); print('held', flush=True); "
                                "time.sleep(60)"),
         str(out / ".crawl" / "lock")], stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline() == b"held\n"
        result = fetch(small_wiki, out, "Main/Alpha")
        assert result.exit_code == 2
        assert "another tropekg fetch is crawling here" in result.output
        assert small_wiki.requests() == []
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()



def _outside(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_bytes(b"not the crawl's")
    (victim / ".Alpha.html.abc123.tmp").write_bytes(b"someone's file that looks like a crawl's temporary")
    return victim, {p.name: p.read_bytes() for p in victim.iterdir()}


@pytest.mark.parametrize("what", [".crawl leads out", "the lock leads out", "the lock is a FIFO",
                                  "the state leads out"])
def test_a_fetch_folder_from_someone_else_never_writes_through_its_links(small_wiki, tmp_path, what):
    """A folder to resume a crawl in may have been received from someone else: the crawl's state
    folder, lock or database planted as a link (or a FIFO) is refused with what to remove, and
    nothing outside the folder is created or changed."""
    victim, before = _outside(tmp_path)
    out = tmp_path / "pages"
    (out / ".crawl").mkdir(parents=True)
    planted = {".crawl leads out": out / ".crawl", "the lock leads out": out / ".crawl" / "lock",
               "the lock is a FIFO": out / ".crawl" / "lock",
               "the state leads out": out / ".crawl" / "state.sqlite"}[what]
    if planted.is_dir():
        planted.rmdir()
    if what == "the lock is a FIFO":
        os.mkfifo(planted)
    else:
        planted.symlink_to(victim if what == ".crawl leads out" else victim / "planted")
    result = fetch(small_wiki, out, "Main/Alpha", "--depth", "0")
    assert result.exit_code == 2, result.output
    assert f"{planted} is a " in result.output and "remove it" in result.output
    assert small_wiki.requests() == []
    assert {p.name: p.read_bytes() for p in victim.iterdir()} == before


def test_a_namespace_folder_that_leads_out_is_neither_cleaned_nor_written_through(small_wiki, tmp_path):
    victim, before = _outside(tmp_path)
    out = tmp_path / "pages"
    out.mkdir()
    (out / "Main").symlink_to(victim)
    result = fetch(small_wiki, out, "Main/Alpha", "--depth", "0")
    assert result.exit_code == 3, result.output  # the page cannot be saved: a failure named, not a crash
    assert "would be outside" in result.output
    assert {p.name: p.read_bytes() for p in victim.iterdir()} == before


def test_an_aliases_file_that_leads_to_an_endless_file_is_replaced_not_read(small_wiki, tmp_path):
    out = tmp_path / "pages"
    out.mkdir()
    (out / "aliases.tsv").symlink_to("/dev/zero")
    result = fetch(small_wiki, out, "Main/Alpha", "--depth", "0")
    assert result.exit_code == 0, result.output
    assert not (out / "aliases.tsv").is_symlink()
    assert (out / "aliases.tsv").read_bytes() == b""

# -- usage ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    ([], "name the pages to start from"),
    (["Not a title!"], "is not a page title"),
    (["Main/Alpha", "--site", "https://tvtropes.org"], "--contact EMAIL is needed"),
    (["Main/Alpha", "--site", "https://tvtropes.org", "--contact", CONTACT, "--delay", "0.5"],
     "at least 1.0 s between requests to a real site"),
    (["Main/Alpha", "--site", "http://127.0.0.1:9", "--delay", "0.01"], "at least 0.05 s"),
    (["Main/Alpha", "--site", "ftp://example.org"], "give an http(s) URL"),
    (["Main/Alpha", "--site", "http://127.0.0.1:9/wiki"], "the site's root only"),
    (["Main/Alpha", "--site", "http://127.0.0.1:9", "--namespaces", "Main,Bad Name"],
     "is not a namespace name"),
    (["Main/Alpha", "--site", "http://127.0.0.1:9", "--contact", "me\r\nX-Evil: 1"],
     "give an e-mail address"),
    (["Main/Alpha", "--site", "http://127.0.0.1:9", "--depth", "-1"], "--depth -1"),
    (["http://127.0.0.1:8/pmwiki/pmwiki.php/Main/Alpha", "--site", "http://127.0.0.1:9"],
     "is not a wiki page URL on http://127.0.0.1:9"),
])
def test_usage_errors_exit_2_before_any_request(tmp_path, args, message):
    result = CliRunner().invoke(cli, ["fetch", *args, "-o", str(tmp_path / "p")])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "p").exists()


def test_a_bad_line_in_the_titles_file_is_named(tmp_path):
    titles = tmp_path / "titles.txt"
    titles.write_text("Main/Alpha\nnot a title\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["fetch", "--from-file", str(titles), "-o", str(tmp_path / "p"),
                                      "--site", "http://127.0.0.1:9"])
    assert result.exit_code == 2
    assert f"{titles}:2: 'not a title' is not a page title" in result.output


def test_settings_are_checked_in_the_library_too():
    with pytest.raises(CrawlError, match="at least 1.0 s"):
        CrawlSettings(site=Site.parse("https://tvtropes.org"), delay=0.2, contact=CONTACT)
    with pytest.raises(CrawlError, match="at least 1.0 s"):
        CrawlSettings(site=Site.parse("https://tvtropes.org"), delay=float("nan"), contact=CONTACT)
    assert CrawlSettings(site=Site.parse("http://localhost:1"), delay=0.05).delay == 0.05


def test_fetch_then_build_gives_a_graph_of_the_crawled_pages(crawled, tmp_path):
    """From seed titles to a built graph: the crawl's folder is a build input as it is, and the
    redirects it recorded become the pages' other wiki names."""
    from click.testing import CliRunner

    from tropekg.cli import cli

    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(crawled["out"]), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    assert report["pages"] == len(saved(crawled["out"])) and report["failed"] == []
    nquads = (out / "dataset.nq").read_text()
    for title in ("Main/Alpha", "Main/Beta", "Film/Gamma"):
        assert f"<https://w3id.org/tropekg/graph/{title}>" in nquads, title
    assert '"Main/OldName"' in nquads  # the alias the crawler followed, kept as another name
