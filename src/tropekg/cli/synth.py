"""``tropekg synth``: the synthetic corpus generator on the command line (a thin layer over
:func:`tropekg.synth.generate`). The main command group registers :data:`synth_command`."""

from __future__ import annotations

from pathlib import Path

import click

from tropekg.cli.common import fail, page_progress
from tropekg.synth import STATS_FILE, SynthError, generate


@click.command("synth")
@click.option("--tropes", type=click.IntRange(min=1), default=30000, show_default=True,
              help="Trope pages to write.")
@click.option("--works", type=click.IntRange(min=1), default=20000, show_default=True,
              help="Work pages to write (about half as many works again are linked to without a page).")
@click.option("--seed", type=int, default=1, show_default=True,
              help="The same seed writes byte-identical files.")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Output folder: new, empty, or a corpus an earlier synth wrote (replaced).")
@click.option("--html", is_flag=True,
              help="Write each page as the site renders it (Namespace/PageName.html) instead of its markup.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no statistics on stdout.")
def synth_command(tropes: int, works: int, seed: int, out_dir: Path, html: bool, quiet: bool) -> None:
    """Write a synthetic TV Tropes corpus with the wiki's shape, for tests and benchmarks.

    Trope pages (a sub-trope hierarchy about a dozen levels deep with a few planted cycles,
    relation notes, quotes, examples in folders per medium, long-tailed in number, nested, with
    stated modes, spoilers, notes and comments), work pages listing tropes, index and creator
    pages, a small share of broken markup, and one or two unreadable pages (a NUL byte) that
    tropekg build reports as failed. The prose is filler; the structure is real. Statistics of
    what was written go to stdout and to OUT/synth-stats.json. With --html each page is written
    as the site renders it (Namespace/PageName.html; the unreadable ones have no article).

    Exit codes: 0 ok; 2 usage error (such as an OUT folder holding other files).

    \b
    Examples:
      tropekg synth --tropes 300 --works 200 --seed 1 -o /tmp/synth
      tropekg synth -o corpus/ && tropekg build corpus/ -o out --jobs 2
      tropekg synth --tropes 300 --works 200 --html -o /tmp/synth-html
    """
    try:
        with page_progress(quiet) as progress:
            stats = generate(out_dir, tropes, works, seed, progress=progress, html=html)
    except SynthError as e:
        fail(str(e))
    if not quiet:
        click.echo(stats.summary())
        click.echo(f"wrote {out_dir} (statistics in {out_dir / STATS_FILE})")
