"""Fetching rendered wiki pages politely: seed titles in, ``DIR/{Namespace}/{PageName}.html`` out.

In: seed titles, the site and the limits of a crawl (:class:`CrawlSettings`: depth, namespaces,
pages, delay, contact). Out: the rendered pages saved under DIR as the site sent them, ready for
``tropekg build``; the redirects met, as aliases in ``DIR/aliases.tsv`` (alias title, a tab, the
target title; sorted); and a :class:`CrawlReport` of what was fetched, skipped, refused by
robots.txt and failed, each failure with its URL and reason.

Polite by default: robots.txt is read first and obeyed (Protego), one connection is kept alive
and used for one request at a time, at least ``delay`` seconds pass between the end of one answer
and the next request (more if robots.txt asks, and twice as long after each "busy" answer), 429
and 503 answers are waited out as their Retry-After says, and every request has timeouts, an
overall deadline and a bounded number of tries. Answers are untrusted: bodies are capped, non-HTML
answers are refused, and every title taken from a link, a redirect or a page is checked
(:func:`tropekg.titles.parse_title`) before it names a file or a request.

Resumable: the files in DIR are the truth about what is saved (each written to a temporary file,
then renamed into place), and ``DIR/.crawl/state.sqlite`` remembers the links of each saved page
and the aliases, so a rerun, even after SIGKILL, walks the saved part of the crawl without the
network and fetches only what is missing (everything again with ``refresh``).
"""

from __future__ import annotations

import email.utils
import ipaddress
import os
import re
import sqlite3
import stat
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Self
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from tropekg import __version__
from tropekg.atomic import write_bytes
from tropekg.locks import LockBusy, LockRefused, describe, exclusive_lock
from tropekg.readers.aliases import ALIASES_FILE  # the build reads what the crawl writes
from tropekg.titles import NAMESPACES, TROPE, WORK, Title, make_title, namespace, parse_title

DEFAULT_SITE = "https://tvtropes.org"
WIKI_PATH = "/pmwiki/pmwiki.php/"
ROBOTS_TOKEN = "tropekg"  # the product token robots.txt groups are matched against

MIN_DELAY = 1.0             # seconds between requests to a real site, at the least
MIN_LOOPBACK_DELAY = 0.05   # ... and to a server on this machine (the tests' own)
DEFAULT_TIMEOUT = 30.0      # connect, read, write: each step of a request
DEADLINE_FACTOR = 4         # an answer's body, however it trickles, gets this many timeouts
DEFAULT_RETRIES = 3         # tries after the first, for busy, failing or silent servers
DEFAULT_MAX_WAIT = 120.0    # the longest wait between tries (a longer Retry-After fails the page)
MAX_DELAY = 60.0            # how far busy answers may raise the delay
MAX_PAGE_BYTES = 20 * 1024 * 1024
MAX_ROBOTS_BYTES = 500 * 1024  # RFC 9309: a crawler must read at least 500 KiB of robots.txt
MAX_REDIRECTS = 5
HTML_TYPES = ("text/html", "application/xhtml+xml")
REDIRECTS = (301, 302, 303, 307, 308)
BUSY = (429, 503)

STATE_DIR = ".crawl"
STATE_FILE = "state.sqlite"
_TEMP_SUFFIX = ".tmp"  # what tropekg.atomic names a file it has not yet renamed into place


class CrawlError(Exception):
    """The crawl cannot run at all: a bad site or limit, an unusable DIR or state file."""


class FetchFailed(Exception):
    """One URL could not be fetched; ``str()`` is the reason in plain words, ``url`` the URL that
    failed when it is not the one asked for (a redirect's)."""

    def __init__(self, reason: str, url: str | None = None):
        super().__init__(reason)
        self.url = url


class _RefusedByRobots(Exception):
    """A redirect led to a page robots.txt does not allow."""


# -- the site ------------------------------------------------------------------------------------

_NAMESPACE_SEGMENT = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_NAME_SEGMENT = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True, slots=True)
class Site:
    """Where the wiki is: scheme, host and port. Nothing off this host is ever requested."""

    scheme: str
    host: str
    port: int

    @classmethod
    def parse(cls, url: str) -> Site:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CrawlError(f"--site {url!r}: give an http(s) URL such as {DEFAULT_SITE}")
        if parts.username or parts.password:
            raise CrawlError(f"--site {url!r}: credentials in the URL are not accepted")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise CrawlError(f"--site {url!r}: give the site's root only, such as {DEFAULT_SITE}")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise CrawlError(f"--site {url!r}: the port is not a number from 0 to 65535") from None
        return cls(parts.scheme, parts.hostname.lower(), port)

    @property
    def root(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}" + ("" if self.port == default else f":{self.port}")

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def owns(self, url: str) -> bool:
        """The URL is on this site (same host and port; http may become https, never back)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() != self.host:
            return False
        if parts.scheme == "http" and self.scheme == "https":
            return False
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return False
        return port == self.port

    def page_url(self, path: str) -> str:
        """The URL of a page, from its ``Namespace/PageName`` path as the site spells it."""
        return f"{self.root}{WIKI_PATH}{path}"

    def page_path(self, url: str) -> str | None:
        """``Namespace/PageName`` if the URL is a wiki page on this site, else ``None``.

        Only the plain page form counts: no query (``?action=edit``), no percent-escapes, exactly
        two segments of letters and digits, so the result is safe as a file name."""
        if not self.owns(url):
            return None
        parts = urlsplit(url)
        if parts.query or not parts.path.startswith(WIKI_PATH):
            return None
        segments = parts.path[len(WIKI_PATH):].split("/")
        if len(segments) != 2:
            return None
        ns, name = segments
        if not (_NAMESPACE_SEGMENT.fullmatch(ns) and _NAME_SEGMENT.fullmatch(name)):
            return None
        return f"{ns}/{name}"


def title_of_path(path: str) -> Title:
    """The title a checked ``Namespace/PageName`` path names (see :meth:`Site.page_path`)."""
    ns, name = path.split("/")
    title = make_title(ns, name)
    assert title is not None  # page_path let only letters and digits through
    return title


def seed_path(text: str, site: Site) -> str:
    """A seed as a page path: a title (``Main/FriendOrFoe``, ``Film.RushHour``) or a page URL on
    the site (``https://tvtropes.org/pmwiki/pmwiki.php/Main/Tropes``). Raises ``ValueError``."""
    text = text.strip()
    if "://" in text:
        path = site.page_path(text.split("#", 1)[0])
        if path is None:
            raise ValueError(f"{text!r} is not a wiki page URL on {site.root}")
        return path
    title = parse_title(text)
    if title is None:
        raise ValueError(f"{text!r} is not a page title; write it as Namespace/PageName")
    return str(title)


def read_seed_file(path: Path, site: Site) -> list[str]:
    """Seed page paths from a file: one title or page URL a line; blank lines and ``#`` comments
    are skipped. A bad line is a :class:`CrawlError` naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CrawlError(f"{path}: cannot read the list of titles ({e})") from None
    seeds = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            seeds.append(seed_path(line, site))
        except ValueError as e:
            raise CrawlError(f"{path}:{number}: {e}") from None
    return seeds


def default_namespaces() -> frozenset[str]:
    """Main (tropes and indexes) and every media namespace (works)."""
    return frozenset(ns.name for ns in NAMESPACES.values() if ns.role in (TROPE, WORK))


def parse_namespaces(text: str) -> frozenset[str]:
    """``Main,Film,...`` as canonical namespace names (any casing or alias the table knows; other
    names, such as a work's sub-page namespace ``TheDresdenFiles``, as written)."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise CrawlError("--namespaces: name at least one namespace, such as Main,Film")
    for name in names:
        if not _NAMESPACE_SEGMENT.fullmatch(name):
            raise CrawlError(f"--namespaces: {name!r} is not a namespace name")
    return frozenset(namespace(name).name for name in names)


def user_agent(contact: str | None) -> str:
    """Names tropekg, its version and how to reach whoever runs it."""
    who = f"; contact: {contact}" if contact else ""
    return f"tropekg/{__version__} (knowledge-graph builder{who})"


_CONTACT = re.compile(r"[^\s()<>;@]+@[^\s()<>;@]+\.[^\s()<>;@]+|https?://[^\s()<>;]+")


@dataclass(frozen=True)
class CrawlSettings:
    """What a crawl may do. Checked on creation: a bad value is a :class:`CrawlError`."""

    site: Site = field(default_factory=lambda: Site.parse(DEFAULT_SITE))
    depth: int = 1
    namespaces: frozenset[str] = field(default_factory=default_namespaces)
    max_pages: int | None = None
    delay: float = MIN_DELAY
    contact: str | None = None
    refresh: bool = False
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    max_wait: float = DEFAULT_MAX_WAIT
    max_bytes: int = MAX_PAGE_BYTES

    def __post_init__(self) -> None:
        least = MIN_LOOPBACK_DELAY if self.site.is_loopback else MIN_DELAY
        if not self.delay >= least:  # also refuses NaN
            where = "a server on this machine" if self.site.is_loopback else "a real site"
            raise CrawlError(f"--delay {self.delay}: at least {least} s between requests "
                             f"to {where}")
        if self.depth < 0:
            raise CrawlError(f"--depth {self.depth}: give 0 (the seeds only) or more")
        if self.max_pages is not None and self.max_pages < 1:
            raise CrawlError(f"--max-pages {self.max_pages}: give 1 or more")
        if not 0 < self.timeout <= 600:
            raise CrawlError(f"--timeout {self.timeout}: give more than 0 and at most 600 seconds")
        if self.retries < 0 or self.max_wait < 0 or self.max_bytes < 1:
            raise CrawlError("retries, waits and the size cap cannot be negative")
        if self.contact is not None and not _CONTACT.fullmatch(self.contact):
            raise CrawlError(f"--contact {self.contact!r}: give an e-mail address or an "
                             "http(s) URL")
        if self.contact is None and not self.site.is_loopback:
            raise CrawlError(f"--contact EMAIL is needed to fetch from {self.site.root}: it goes "
                             "in the User-Agent, so the site's operators can reach you")

    @property
    def deadline(self) -> float:
        """The most a whole request may take, body included, however slowly it trickles."""
        return self.timeout * DEADLINE_FACTOR


# -- one polite connection -----------------------------------------------------------------------

@dataclass(slots=True)
class Answer:
    url: str
    status: int
    headers: httpx.Headers
    body: bytes = b""


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header as seconds from now: delay-seconds or an HTTP date; ``None`` if absent
    or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _content_type(headers: httpx.Headers) -> str:
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n} bytes"


class PoliteClient:
    """One keep-alive connection to the site, one request at a time, with the waits, timeouts,
    caps and tries of :class:`CrawlSettings`."""

    def __init__(self, settings: CrawlSettings, *, sleep: Callable[[float], None] = time.sleep):
        self.settings = settings
        self.delay = settings.delay
        self._sleep = sleep
        self._next_request = 0.0  # time.monotonic() before which no request may start
        self._client = httpx.Client(
            headers={"User-Agent": user_agent(settings.contact),
                     "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
                     # only what the standard library decodes (no brotli or zstd surprises)
                     "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(settings.timeout),
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            follow_redirects=False,  # each hop is checked against the site and robots.txt
            # a proxy from the environment is the user's business for real sites; never for loopback
            trust_env=not settings.site.is_loopback,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def slow_down(self, at_least: float) -> None:
        """A delay asked for by the site (robots.txt's Crawl-delay or Request-rate), from the
        next request on."""
        longer = max(self.delay, min(at_least, self.settings.max_wait))
        self._next_request += longer - self.delay
        self.delay = longer

    def get(self, url: str, *, max_bytes: int,
            types: tuple[str, ...] | None = HTML_TYPES) -> Answer:
        """The answer to a GET, after waiting out busy answers and retrying failures. A 200 answer
        carries its body (at most ``max_bytes``, of one of the content ``types`` unless ``None``);
        others carry none. Raises :class:`FetchFailed`."""
        s = self.settings
        reason = ""
        for attempt in range(s.retries + 1):
            backoff = min(s.max_wait, self.delay * 2 ** (attempt + 1))
            try:
                answer = self._get_once(url, max_bytes, types)
            except httpx.TimeoutException:
                reason = f"no answer within the {s.timeout:g} s timeout"
            except _TooSlow:
                reason = f"the answer took longer than the {s.deadline:g} s deadline"
            except httpx.DecodingError as e:
                raise FetchFailed(f"the answer's compressed body is broken ({e})") from None
            except httpx.TransportError as e:
                reason = f"connection failed: {e or type(e).__name__}"
            else:
                if answer.status in BUSY:
                    asked = retry_after_seconds(answer.headers.get("retry-after"))
                    reason = f"server busy ({answer.status})"
                    if asked is not None and asked > s.max_wait:
                        raise FetchFailed(f"{reason}: it asks to wait {asked:.0f} s, more than the "
                                          f"{s.max_wait:g} s we wait")
                    # a busy site gets fewer requests from now on, not only for this page
                    self.delay = min(max(self.delay * 2, s.delay), max(MAX_DELAY, s.delay))
                    backoff = asked if asked is not None else backoff
                elif answer.status >= 500:
                    reason = f"server error {answer.status}"
                else:
                    return answer
            if attempt < s.retries:
                self._next_request = max(self._next_request, time.monotonic() + backoff)
        tries = s.retries + 1
        raise FetchFailed(f"{reason} ({tries} {'try' if tries == 1 else 'tries'})")

    def _get_once(self, url: str, max_bytes: int, types: tuple[str, ...] | None) -> Answer:
        wait = self._next_request - time.monotonic()
        if wait > 0:
            self._sleep(wait)
        deadline = time.monotonic() + self.settings.deadline
        try:
            with self._client.stream("GET", url) as response:
                answer = Answer(url, response.status_code, response.headers)
                if response.status_code != 200:
                    _drain(response, deadline)
                    return answer
                kind = _content_type(response.headers)
                if types is not None and kind not in types:
                    raise FetchFailed(f"content type {kind or '(none)'!r} is not HTML (refused)")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise FetchFailed(f"the answer is {_size(int(declared))}, more than the "
                                      f"{_size(max_bytes)} cap (refused)")
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchFailed(f"the answer is more than the {_size(max_bytes)} cap "
                                          "(refused)")
                    if time.monotonic() > deadline:
                        raise _TooSlow()
                    chunks.append(chunk)
                answer.body = b"".join(chunks)
                return answer
        finally:
            self._next_request = time.monotonic() + self.delay


class _TooSlow(Exception):
    pass


_DRAINED_BYTES = 64 * 1024


def _drain(response: httpx.Response, deadline: float) -> None:
    """Read a small unwanted body (a redirect's, an error page), so the connection can be kept;
    a large or slow one is dropped with its connection instead."""
    size = 0
    try:
        for chunk in response.iter_raw():
            size += len(chunk)
            if size > _DRAINED_BYTES or time.monotonic() > deadline:
                return
    except httpx.HTTPError:
        return  # the status is what counts; the connection is dropped with the body


# -- robots.txt ----------------------------------------------------------------------------------

class RobotsPolicy:
    """The site's robots.txt as it applies to tropekg (RFC 9309 via Protego)."""

    def __init__(self, text: str, url: str):
        self.url = url
        self._rules = Protego.parse(text)

    @classmethod
    def fetch(cls, client: PoliteClient, site: Site) -> RobotsPolicy:
        """Read robots.txt. Missing (4xx) allows everything; unreachable (5xx, no answer, an
        off-site redirect) raises :class:`FetchFailed`, since then nothing may be fetched."""
        url = f"{site.root}/robots.txt"
        for _ in range(MAX_REDIRECTS + 1):
            try:
                answer = client.get(url, max_bytes=MAX_ROBOTS_BYTES, types=None)
            except FetchFailed as e:
                raise FetchFailed(f"robots.txt could not be read, so nothing is fetched: {e}"
                                  ) from None
            if answer.status in REDIRECTS:
                target = urljoin(url, answer.headers.get("location", ""))
                if not site.owns(target):
                    raise FetchFailed(f"robots.txt redirects off the site to {target} (not "
                                      "followed), so nothing is fetched")
                url = target
                continue
            if answer.status == 200:
                return cls(answer.body.decode("utf-8", errors="replace"), url)
            return cls("", url)  # 4xx: no robots.txt, no rules
        raise FetchFailed("robots.txt redirects too often, so nothing is fetched")

    def allows(self, url: str) -> bool:
        return self._rules.can_fetch(url, ROBOTS_TOKEN)

    @property
    def delay(self) -> float | None:
        """The seconds between requests robots.txt asks for (Crawl-delay, Request-rate)."""
        asked = []
        crawl_delay = self._rules.crawl_delay(ROBOTS_TOKEN)
        if crawl_delay is not None:
            asked.append(float(crawl_delay))
        rate = self._rules.request_rate(ROBOTS_TOKEN)
        if rate is not None and rate.requests:
            asked.append(rate.seconds / rate.requests)
        return max(asked) if asked else None


# -- what a page links to ------------------------------------------------------------------------

class _PageLinkReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.canonical: str | None = None
        self.og_url: str | None = None
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            a = dict(attrs)
            if a.get("href") and "twikilink" in (a.get("class") or "").split():
                self.links.append(a["href"])
        elif tag == "link" and self.canonical is None:
            a = dict(attrs)
            if "canonical" in (a.get("rel") or "").lower().split() and a.get("href"):
                self.canonical = a["href"]
        elif tag == "meta" and self.og_url is None:
            a = dict(attrs)
            if a.get("property") == "og:url" and a.get("content"):
                self.og_url = a["content"]

    handle_startendtag = handle_starttag


@dataclass(frozen=True, slots=True)
class PageLinks:
    canonical: str | None   # the page path the page says it is, if on the site
    links: list[str]        # the wiki pages it links to (a.twikilink), in order, each once


def read_links(data: bytes, url: str, site: Site) -> PageLinks:
    """The page's own path (``<link rel="canonical">``, else ``og:url``) and its wiki links, as
    checked page paths on ``site``; links elsewhere or to anything but a page are dropped."""
    reader = _PageLinkReader()
    # the links are ASCII whatever the page's charset; latin-1 decodes any byte
    reader.feed(data.decode("latin-1"))
    reader.close()
    canonical = None
    for own in (reader.canonical, reader.og_url):
        if own:
            canonical = site.page_path(urljoin(url, own.strip()))
            if canonical:
                break
    seen: set[str] = set()
    links = []
    for href in reader.links:
        path = site.page_path(urljoin(url, href.strip()).split("#", 1)[0])
        if path is not None and title_of_path(path).key not in seen:
            seen.add(title_of_path(path).key)
            links.append(path)
    return PageLinks(canonical, links)


# -- the crawl's memory --------------------------------------------------------------------------

class CrawlState:
    """``DIR/.crawl/state.sqlite``: the links of each saved page and the aliases met, kept in
    transactions so that a kill at any point leaves it as before or after one page."""

    SCHEMA = 1

    def __init__(self, path: Path, site: Site):
        self.path = path
        try:
            self._db = sqlite3.connect(path, isolation_level=None)
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, self.SCHEMA):
                raise CrawlError(f"{path}: crawl state of a newer tropekg (version {version})")
            with self._db:
                self._db.execute("BEGIN")
                self._db.executescript("""
                    CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE IF NOT EXISTS link (page TEXT NOT NULL, position INTEGER NOT NULL,
                        target TEXT NOT NULL, PRIMARY KEY (page, position));
                    CREATE TABLE IF NOT EXISTS alias (key TEXT PRIMARY KEY, alias TEXT NOT NULL,
                        target TEXT NOT NULL);
                    CREATE TABLE IF NOT EXISTS page (key TEXT PRIMARY KEY, path TEXT NOT NULL);
                """)
                self._db.execute(f"PRAGMA user_version = {self.SCHEMA}")
                self._db.execute("INSERT OR IGNORE INTO meta VALUES ('site', ?)", (site.root,))
            known = self._db.execute("SELECT value FROM meta WHERE name = 'site'").fetchone()[0]
        except sqlite3.Error as e:
            raise CrawlError(f"{path}: unreadable crawl state ({e}); remove it to start afresh"
                             ) from None
        if known != site.root:
            self.close()
            raise CrawlError(f"{path.parent.parent} holds a crawl of {known}, not {site.root}: "
                             "use another folder or the same --site")

    def close(self) -> None:
        self._db.close()

    def links_of(self, key: str) -> list[str] | None:
        """The page paths a saved page links to; ``None`` if the page was never recorded."""
        if self._db.execute("SELECT 1 FROM page WHERE key = ?", (key,)).fetchone() is None:
            return None
        rows = self._db.execute("SELECT target FROM link WHERE page = ? ORDER BY position", (key,))
        return [target for (target,) in rows]

    def record_page(self, title: Title, links: list[str]) -> None:
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute("INSERT OR REPLACE INTO page VALUES (?, ?)", (title.key, str(title)))
            self._db.execute("DELETE FROM link WHERE page = ?", (title.key,))
            self._db.executemany("INSERT INTO link VALUES (?, ?, ?)",
                                 [(title.key, i, target) for i, target in enumerate(links)])

    def alias_target(self, title: Title) -> str | None:
        row = self._db.execute("SELECT target FROM alias WHERE key = ?", (title.key,)).fetchone()
        return row[0] if row else None

    def record_alias(self, alias: Title, target: Title) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO alias VALUES (?, ?, ?)",
                             (alias.key, str(alias), str(target)))

    def aliases(self) -> list[tuple[str, str]]:
        return sorted(self._db.execute("SELECT alias, target FROM alias"))


# -- files under DIR -----------------------------------------------------------------------------

class PageFolder:
    """The pages saved under DIR, found by title whatever their file's letter case."""

    def __init__(self, root: Path):
        self.root = root
        self._real_root = root.resolve()
        self.saved: dict[str, Path] = {}
        for path in sorted(root.glob("*/*")):
            if path.parent.is_symlink() or path.is_symlink():
                # not what a crawl writes: a namespace folder or page leading elsewhere is neither
                # cleaned nor counted as saved (a page is saved again over the link, never through it)
                continue
            if path.name.startswith(".") and path.name.endswith(_TEMP_SUFFIX):
                path.unlink(missing_ok=True)  # left by a killed crawl: the rename never happened
            elif path.suffix == ".html" and path.is_file():
                title = parse_title(f"{path.parent.name}/{path.stem}")
                if title is not None:
                    self.saved.setdefault(title.key, path)

    def path_for(self, title: Title) -> Path:
        path = self.root / title.namespace / f"{title.name}.html"
        # parse_title lets only letters and digits through; checked again because this is the one
        # place where something the server said becomes a file name
        real = path.parent.resolve() / path.name
        if real.parent.parent != self._real_root:
            raise FetchFailed(f"{title}: its file would be outside {self.root} (refused)")
        return path

    def save(self, title: Title, data: bytes) -> Path:
        path = self.path_for(title)
        path.parent.mkdir(exist_ok=True)
        write_bytes(path, data)
        old = self.saved.get(title.key)
        if old is not None and old != path:
            old.unlink(missing_ok=True)  # the same page under an older spelling
        self.saved[title.key] = path
        return path

    def write_aliases(self, aliases: list[tuple[str, str]]) -> None:
        text = "".join(f"{alias}\t{target}\n" for alias, target in aliases)
        path = self.root / ALIASES_FILE
        data = text.encode("utf-8")
        st = _lstat(path)
        # compared only when it is a plain file of the right size: a link (to /dev/zero, say) is
        # replaced, never read
        if st is None or not stat.S_ISREG(st.st_mode) or st.st_size != len(data) or path.read_bytes() != data:
            write_bytes(path, data)


def _lock(state_dir: Path):
    """One crawl at a time in a folder: two would fetch the same pages."""
    try:
        return exclusive_lock(state_dir / "lock")
    except LockRefused as e:
        raise CrawlError(f"{e.path} is {e.what}, not the lock file tropekg keeps there; tropekg never "
                         f"writes through it: remove it (rm {e.path}) and fetch again") from None
    except LockBusy:
        raise CrawlError(f"{state_dir.parent}: another tropekg fetch is crawling here") from None


def _state_dir(out_dir: Path) -> Path:
    """``DIR/.crawl``, made if missing; a folder received from someone else may hold a link there
    (the crawl's state and lock would be written wherever it leads), which is refused."""
    state_dir = out_dir / STATE_DIR
    try:
        state_dir.mkdir(exist_ok=True)
    except FileExistsError:
        pass
    for path in (state_dir, state_dir / STATE_FILE):
        st = _lstat(path)
        want_dir = path == state_dir
        if st is not None and not (stat.S_ISDIR(st.st_mode) if want_dir else stat.S_ISREG(st.st_mode)):
            kind = "folder" if want_dir else "file"
            raise CrawlError(f"{path} is {describe(path, st)}, not the crawl state {kind} tropekg keeps "
                             f"there; tropekg never writes through it: remove it (rm -r {path}) to "
                             "start the crawl's memory afresh (saved pages are kept)")
    return state_dir


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


# -- the crawl -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Failure:
    url: str
    reason: str


@dataclass
class CrawlReport:
    fetched: list[str] = field(default_factory=list)   # titles fetched and saved in this run
    skipped: list[str] = field(default_factory=list)   # titles saved by an earlier run
    refused: list[str] = field(default_factory=list)   # URLs robots.txt does not allow
    failed: list[Failure] = field(default_factory=list)
    aliases: list[tuple[str, str]] = field(default_factory=list)  # met in this run
    not_reached: int = 0    # pages queued when --max-pages stopped the crawl
    delay: float = 0.0      # the delay kept in the end (robots.txt and busy answers raise it)
    out_dir: Path | None = None

    def summary(self, refused_shown: int = 10) -> str:
        lines = [
            f"fetched:  {len(self.fetched)} pages",
            f"skipped:  {len(self.skipped)} (saved by an earlier run)",
            f"refused:  {len(self.refused)} by robots.txt",
            f"failed:   {len(self.failed)}",
        ]
        lines += [f"  {failure.url}: {failure.reason}" for failure in self.failed]
        if self.refused:
            lines.insert(3, "  " + ", ".join(self.refused[:refused_shown])
                         + (f", and {len(self.refused) - refused_shown} more"
                            if len(self.refused) > refused_shown else ""))
        if self.aliases:
            lines.append(f"aliases:  {len(self.aliases)} redirects met, in {ALIASES_FILE}")
        if self.not_reached:
            lines.append(f"not reached: {self.not_reached} pages beyond --max-pages")
        lines.append(f"delay:    {self.delay:g} s between requests")
        if self.out_dir is not None:
            lines.append(f"saved in: {self.out_dir}")
        return "\n".join(lines)


@dataclass(slots=True)
class _Visit:
    links: list[str]
    title: Title          # the page the visit ended at (after redirects)


def crawl(seeds: Iterable[str], out_dir: Path, settings: CrawlSettings,
          progress: Callable[[int, int], None] | None = None) -> CrawlReport:
    """Fetch the seeds (page paths or titles) and the wiki pages they link to, breadth first, up
    to ``settings.depth`` links away, into ``out_dir``. See the module doc for the rules."""
    out_dir = Path(out_dir)
    paths = []
    for seed in seeds:
        try:
            paths.append(seed_path(seed, settings.site))
        except ValueError as e:
            raise CrawlError(str(e)) from None
    if not paths:
        raise CrawlError("no pages to start from: give TITLEs or --from-file FILE")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        state_dir = _state_dir(out_dir)
    except OSError as e:
        raise CrawlError(f"{out_dir}: cannot write here ({e.strerror or e})") from None
    lock = _lock(state_dir)
    try:
        state = CrawlState(state_dir / STATE_FILE, settings.site)
        try:
            folder = PageFolder(out_dir)
            with PoliteClient(settings) as client:
                report = _Crawl(paths, folder, state, client, settings, progress).run()
            folder.write_aliases(state.aliases())
        except (OSError, sqlite3.Error) as e:
            # what was saved so far stays saved (and known to the state): a rerun goes on from it
            raise CrawlError(f"{out_dir}: cannot keep the crawl's pages or state: {e}") from None
        finally:
            state.close()
    finally:
        lock.close()
    report.out_dir = out_dir
    return report


class _Crawl:
    def __init__(self, seeds: list[str], folder: PageFolder, state: CrawlState,
                 client: PoliteClient, settings: CrawlSettings,
                 progress: Callable[[int, int], None] | None):
        self.seeds = seeds
        self.folder = folder
        self.state = state
        self.client = client
        self.settings = settings
        self.progress = progress or (lambda done, total: None)
        self.report = CrawlReport()
        self.robots: RobotsPolicy | None = None
        self.robots_failed = False    # then nothing is fetched, and the one failure says why
        self.done: set[str] = set()   # title keys visited in this run (after redirects too)

    def run(self) -> CrawlReport:
        s = self.settings
        allowed = {ns.casefold() for ns in s.namespaces}
        queue: deque[tuple[str, int]] = deque()
        queued: set[str] = set()
        for path in self.seeds:  # seeds are fetched whatever their namespace: the user named them
            if title_of_path(path).key not in queued:
                queued.add(title_of_path(path).key)
                queue.append((path, 0))
        visited = 0
        while queue:
            if s.max_pages is not None and visited >= s.max_pages:
                self.report.not_reached = len(queue)
                break
            path, depth = queue.popleft()
            title = title_of_path(path)
            target = self.state.alias_target(title)
            if target is not None:  # a redirect met before: go straight to its page
                path, title = target, title_of_path(target)
            if title.key in self.done:
                continue
            visit = self._visit(path, title)
            if visit is None:
                continue  # refused by robots.txt: not a visit, no request made
            visited += 1
            if depth < s.depth:
                for link in visit.links:
                    link_title = title_of_path(link)
                    if link_title.namespace.casefold() in allowed and link_title.key not in queued:
                        queued.add(link_title.key)
                        queue.append((link, depth + 1))
            # the total grows as pages are read; it is the pages in reach so far
            total = visited + len(queue)
            self.progress(visited, total if s.max_pages is None else min(total, s.max_pages))
        self.report.delay = self.client.delay
        return self.report

    def _visit(self, path: str, title: Title) -> _Visit | None:
        """Take one page: from DIR if saved before, else from the site. ``None`` if robots.txt
        refuses it."""
        self.done.add(title.key)
        saved = self.folder.saved.get(title.key)
        if saved is not None and not self.settings.refresh:
            self.report.skipped.append(str(title))
            return _Visit(self._saved_links(title, saved), title)
        url = self.settings.site.page_url(path)
        if not self._robots_allow(url):
            return None
        try:
            return self._fetch(url, title)
        except _RefusedByRobots:
            return None
        except FetchFailed as e:
            self.report.failed.append(Failure(e.url or url, str(e)))
            return _Visit([], title)

    def _robots_allow(self, url: str) -> bool:
        if self.robots is None and not self.robots_failed:
            try:
                self.robots = RobotsPolicy.fetch(self.client, self.settings.site)
            except FetchFailed as e:
                self.robots_failed = True
                self.report.failed.append(Failure(f"{self.settings.site.root}/robots.txt", str(e)))
            else:
                if self.robots.delay is not None:
                    self.client.slow_down(self.robots.delay)
        if self.robots is None:
            return False  # robots.txt unreadable: reported once, as its own failure
        if not self.robots.allows(url):
            self.report.refused.append(url)
            return False
        return True

    def _saved_links(self, title: Title, path: Path) -> list[str]:
        links = self.state.links_of(title.key)
        if links is None:  # saved, then killed before the state knew: read the file once
            try:
                data = path.read_bytes()
            except OSError:
                return []
            site = self.settings.site
            links = read_links(data, site.page_url(str(title)), site).links
            self.state.record_page(title, links)
        return links

    def _fetch(self, url: str, title: Title) -> _Visit:
        site = self.settings.site
        asked = title
        for _ in range(MAX_REDIRECTS + 1):
            answer = self.client.get(url, max_bytes=self.settings.max_bytes)
            if answer.status in REDIRECTS:
                location = answer.headers.get("location")
                if not location:
                    raise FetchFailed(f"redirect ({answer.status}) without a Location", url)
                target = urljoin(url, location.strip())
                if not site.owns(target):
                    raise FetchFailed(f"redirected off the site to {target} (not followed)", url)
                path = site.page_path(target.split("#", 1)[0])
                if path is None:
                    raise FetchFailed(f"redirected to {target}, which is not a wiki page", url)
                title = title_of_path(path)
                url = site.page_url(path)
                if not self._robots_allow(url):
                    raise _RefusedByRobots()
                continue
            if answer.status != 200:
                raise FetchFailed(_status_reason(answer.status), url)
            return self._keep(answer, asked, title)
        raise FetchFailed(f"more than {MAX_REDIRECTS} redirects", url)

    def _keep(self, answer: Answer, asked: Title, landed: Title) -> _Visit:
        page = read_links(answer.body, answer.url, self.settings.site)
        # the page's own word on its title wins: the build reads the title from the page too
        title = title_of_path(page.canonical) if page.canonical else landed
        if title.key != landed.key and title.key in self.done:
            # served in place of another page already taken in this run: the same page again
            self._alias(asked, title)
            return _Visit(page.links, title)
        self.done.add(title.key)
        self.folder.save(title, answer.body)
        self.state.record_page(title, page.links)
        self._alias(asked, title)
        self.report.fetched.append(str(title))
        return _Visit(page.links, title)

    def _alias(self, alias: Title, target: Title) -> None:
        if alias.key != target.key:
            self.done.add(alias.key)
            self.state.record_alias(alias, target)
            self.report.aliases.append((str(alias), str(target)))
            self.folder.write_aliases(self.state.aliases())


def _status_reason(status: int) -> str:
    if status in (404, 410):
        return f"no such page ({status})"
    if status in (401, 403):
        return f"access refused ({status})"
    return f"unexpected answer {status}"
