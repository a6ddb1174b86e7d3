"""``tropekg fetch``: the polite crawler on the command line (a thin layer over
:func:`tropekg.readers.crawl.crawl`). The main command group registers :data:`fetch_command`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tropekg.cli.common import ExitCode, fail, page_progress
from tropekg.readers.crawl import (
    DEFAULT_SITE,
    DEFAULT_TIMEOUT,
    MIN_DELAY,
    CrawlError,
    CrawlSettings,
    Site,
    crawl,
    default_namespaces,
    parse_namespaces,
    read_seed_file,
    seed_path,
)


@click.command("fetch")
@click.argument("titles", nargs=-1)
@click.option("-o", "--out", "out_dir", required=True,
              type=click.Path(path_type=Path, file_okay=False),
              help="Folder the pages are saved in (and the crawl's state); a rerun resumes it.")
@click.option("--depth", type=int, default=1, show_default=True,
              help="How many links away from the seeds to go (0: the seeds only).")
@click.option("--namespaces", "namespaces_text", metavar="NS,NS,...",
              help="Follow links only into these namespaces "
                   "[default: Main and the media namespaces].")
@click.option("--max-pages", type=int, help="Stop after this many pages (fetched, failed or saved before).")
@click.option("--delay", type=float, default=MIN_DELAY, show_default=True,
              help=f"Seconds between requests; at least {MIN_DELAY:g} "
                   "(robots.txt may ask for more).")
@click.option("--site", default=DEFAULT_SITE, show_default=True, help="The wiki's address.")
@click.option("--contact", envvar="TROPEKG_CONTACT",
              help="Your e-mail address or URL, sent in the User-Agent (needed for a real site; "
                   "or set TROPEKG_CONTACT).")
@click.option("--from-file", "from_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Read seed titles from a file, one a line (# comments allowed).")
@click.option("--refresh", is_flag=True, help="Fetch pages again even when already saved.")
@click.option("--timeout", type=float, default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds each step of a request may take (the whole request: four times this).")
@click.option("--quiet", "-q", is_flag=True,
              help="No progress bar and no summary; failures still shown.")
def fetch_command(titles, out_dir, depth, namespaces_text, max_pages, delay, site, contact,
                  from_file, refresh, timeout, quiet) -> None:
    """Fetch rendered wiki pages into a folder, politely, ready for tropekg build.

    Starts from the TITLEs (Main/FriendOrFoe, an index page such as Main/Tropes, or a page URL on
    the site) and follows the wiki links of each page (a.twikilink) breadth first, up to --depth
    links away, into the chosen namespaces only, never off the site. Each page is saved as
    OUT/Namespace/PageName.html, byte for byte as the site sent it; redirects are recorded as
    aliases in OUT/aliases.tsv (alias title, a tab, the target title).

    Polite: robots.txt is obeyed, one connection makes one request at a time, at least --delay
    seconds apart (more when robots.txt or a busy server asks), and the User-Agent names tropekg
    and your --contact. Resumable: run the same command again, even after a kill, and it fetches
    only the pages not saved yet (--refresh fetches them all again).

    Exit codes: 0 ok; 2 usage error; 3 some pages failed (each named with its URL and reason).

    \b
    Examples:
      tropekg fetch Main/FriendOrFoe -o pages --depth 1 --contact me@example.org
      tropekg fetch Main/Tropes -o pages --depth 2 --namespaces Main --max-pages 500 \
          --contact me@example.org
      tropekg fetch --from-file titles.txt -o pages --depth 0 --contact me@example.org
      tropekg build pages -o out
    """
    try:
        where = Site.parse(site)
        seeds = [seed_path(text, where) for text in titles] if titles else []
        if from_file is not None:
            seeds += read_seed_file(from_file, where)
        if not seeds:
            raise click.UsageError("name the pages to start from: TITLE... or --from-file FILE")
        settings = CrawlSettings(
            site=where, depth=depth,
            namespaces=(parse_namespaces(namespaces_text) if namespaces_text
                        else default_namespaces()),
            max_pages=max_pages, delay=delay, contact=contact, refresh=refresh, timeout=timeout)
    except ValueError as e:  # a seed that is not a title
        raise click.UsageError(str(e)) from None
    except CrawlError as e:
        raise click.UsageError(str(e)) from None
    try:
        with page_progress(quiet, label="fetching") as progress:
            report = crawl(seeds, out_dir, settings, progress=progress)
    except CrawlError as e:
        fail(str(e))
    if not quiet:
        click.echo(report.summary())
    else:
        for failure in report.failed:
            click.echo(f"tropekg: page failed: {failure.url}: {failure.reason}", err=True)
    if report.failed:
        sys.exit(int(ExitCode.PARTIAL))
