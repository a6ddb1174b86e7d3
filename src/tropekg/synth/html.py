"""A synthetic page as the site renders it: a page's title and the markup :mod:`tropekg.synth` writes
in, the HTML page a browser would save from tvtropes.org out.

The shape is the one :mod:`tropekg.readers.html` and :mod:`tropekg.markup.html` read (see
``examples/html/`` and ``tests/test_html_pages.py``): the title in ``<link rel="canonical">`` and
``og:title``, a ``<h1>`` heading, the article in ``div#main-article``; paragraphs as ``<p>``,
headers as ``<h2>``, quotes as ``div.indent``, folders as ``div.folderlabel`` + ``div.folder``,
examples as nested ``<ul>`` lists written on one line each (as the site does), wiki links as
``a.twikilink`` to ``/pmwiki/pmwiki.php/Namespace/PageName``, spoilers as ``span.spoiler``, notes as
``span.notelabel`` + ``span.inlinefolder``, italics and bold as ``<em>``/``<strong>``, the page image
as ``div.quoteright``, and an advertisement between list items now and then. Only the markup the
generator writes is rendered (not wiki markup at large); comments are dropped, as the site drops
them. Text is escaped; the same markup gives the same bytes.
"""

from __future__ import annotations

import re
from html import escape

from tropekg.titles import spaced

SITE = "https://tvtropes.org/pmwiki/pmwiki.php/"
_AD = ('<div class="proper-ad-unit mobile-ad square_ad"><h6 class="ad-caption">Advertisement:</h6>'
       "<div><script>propertag.cmd.push(function() { proper_display('ad'); })</script></div></div>")

# the inline markup the generator writes, in the order it is tried at each place
_INLINE = re.compile(r"""
    (?P<nowiki>\[=(?P<nowiki_text>.*?)=\])
  | (?P<spoiler>\[\[spoiler:)
  | (?P<note>\[\[note\]\])
  | (?P<note_end>\[\[/note\]\])
  | (?P<pothole>\[\[(?P<pothole_target>(?:[A-Z][A-Za-z]*/)?[A-Z][A-Za-z0-9]*)\ (?P<pothole_text>[^\[\]]+?)\]\])
  | (?P<close>\]\])
  | (?P<ns_brace>(?P<ns_brace_ns>[A-Z][A-Za-z]*)/\{\{(?P<ns_brace_name>[A-Za-z0-9]+)\}\})
  | (?P<brace>\{\{(?P<brace_text>[^{}|]+)(?:\|(?P<brace_suffix>[A-Za-z]+))?\}\})
  | (?P<bold>''')
  | (?P<italic>'')
  | (?P<ns_link>(?<![A-Za-z0-9/])(?P<ns_link_ns>[A-Z][A-Za-z]*)/(?P<ns_link_name>[A-Z][A-Za-z0-9]*)(?![A-Za-z0-9]))
  | (?P<wiki_word>(?<![A-Za-z0-9/])[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+(?![A-Za-z0-9]))
""", re.VERBOSE)


def _anchor(target: str) -> str:
    page = target if "/" in target else f"Main/{target}"
    return f'<a class="twikilink" href="/pmwiki/pmwiki.php/{escape(page)}">'


def _link(target: str, text: str) -> str:
    return f"{_anchor(target)}{escape(text)}</a>"


def _camel(words: str) -> str:
    """``{{Never Burn a Wooden Candle}}`` names the page NeverBurnAWoodenCandle."""
    return "".join(w[:1].upper() + w[1:] for w in words.split())


class _Inline:
    """Inline markup to HTML, one line at a time; notes are numbered across the page."""

    def __init__(self) -> None:
        self.notes = 0

    def render(self, text: str) -> str:
        comment = text.find("%%")
        if comment >= 0:
            text = text[:comment].rstrip()
        out: list[str] = []
        open_tags: list[str] = []  # closing tags, innermost last
        pos = 0
        for m in _INLINE.finditer(text):
            out.append(escape(text[pos:m.start()], quote=False))
            pos = m.end()
            kind = next(k for k in ("nowiki", "spoiler", "note", "note_end", "pothole", "close", "ns_brace",
                                    "brace", "bold", "italic", "ns_link", "wiki_word") if m.group(k) is not None)
            if kind == "nowiki":
                out.append(escape(m.group("nowiki_text"), quote=False))
            elif kind == "spoiler":
                out.append('<span class="spoiler" title="you can set spoilers visible by default on your profile">')
                open_tags.append("</span>")
            elif kind == "note":
                n = self.notes
                self.notes += 1
                out.append(f"<span class=\"notelabel\" onclick=\"togglenote('note{n}');\"><sup>note&nbsp;</sup></span>"
                           f'<span id="note{n}" class="inlinefolder" isnote="true" style="display:none;">')
                open_tags.append("</span>")
            elif kind in ("note_end", "close"):
                if open_tags and open_tags[-1] == "</span>":
                    out.append(open_tags.pop())
            elif kind == "pothole":
                out.append(_link(m.group("pothole_target"), m.group("pothole_text")))
            elif kind == "ns_brace":
                out.append(_link(f"{m.group('ns_brace_ns')}/{m.group('ns_brace_name')}", m.group("ns_brace_name")))
            elif kind == "brace":
                words, suffix = m.group("brace_text"), m.group("brace_suffix") or ""
                if "/" in words:
                    ns, name = words.split("/", 1)
                    out.append(_link(f"{ns}/{_camel(name)}", spaced(name)))
                else:
                    out.append(_link(_camel(words) + suffix, words))
            elif kind in ("bold", "italic"):
                tag = "strong" if kind == "bold" else "em"
                if open_tags and open_tags[-1] == f"</{tag}>":
                    out.append(open_tags.pop())
                else:
                    out.append(f"<{tag}>")
                    open_tags.append(f"</{tag}>")
            elif kind == "ns_link":
                name = m.group("ns_link_name")
                out.append(_link(f"{m.group('ns_link_ns')}/{name}", spaced(name)))
            else:  # a wiki word
                out.append(_link(m.group(), spaced(m.group())))
        out.append(escape(text[pos:], quote=False))
        out.extend(reversed(open_tags))  # markup left open closes at the end of its line
        return "".join(out)


_BULLET = re.compile(r"^(\*+)\s?(.*)$")
_FOLDER = re.compile(r"^\[\[folder:(.*)\]\]$")
_IMAGE = re.compile(r"^\[\[quoteright:\d+:\[\[(\S+) (\S+)\]\]\]\]$")
_CAPTION = re.compile(r"^\[\[caption-width-right:\d+:(.*)\]\]$")


def _list_html(items: list[tuple[int, str]], inline: _Inline, ads: list[int]) -> str:
    """Bullets (depth, text) as nested lists, on one line."""
    out: list[str] = []
    depth = 0
    for i, (level, text) in enumerate(items):
        if level > depth:
            for _ in range(level - depth):
                out.append("<ul>")
            depth = level
        else:
            out.append("</li>")
            while depth > level:
                out.append("</ul></li>")
                depth -= 1
            if depth == 1 and i in ads:
                out.append(_AD)
        out.append(f"<li> {inline.render(text)}")
    out.append("</li>")
    while depth > 1:
        out.append("</ul></li>")
        depth -= 1
    out.append("</ul>")
    return "".join(out)


def render_page(namespace: str, name: str, markup: str) -> str:
    """The HTML page the site would serve for the page ``namespace/name`` written as ``markup``."""
    inline = _Inline()
    body: list[str] = []
    bullets: list[tuple[int, str]] = []
    quote: list[str] = []
    folders = 0

    def flush() -> None:
        if bullets:
            # an advertisement after every 25th top-level item, as the site places them
            tops = [i for i, (level, _) in enumerate(bullets) if level == 1]
            body.append(_list_html(bullets, inline, tops[25::25]))
            bullets.clear()
        if quote:
            body.append(f'<div class="indent">{quote[0]}'
                        + "".join(f'<div class="indent">{q}</div>' for q in quote[1:]) + "</div>")
            quote.clear()

    for line in markup.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        bullet = _BULLET.match(stripped)
        if bullet:
            if quote:
                flush()
            bullets.append((len(bullet.group(1)), bullet.group(2)))
            continue
        if stripped.startswith(("->", "-->")):
            if bullets:
                flush()
            text = stripped.lstrip("-").lstrip(">")
            quote.append(("&mdash; " + inline.render(text.lstrip("- "))) if stripped.startswith("-->") else inline.render(text))
            continue
        flush()
        folder = _FOLDER.match(stripped)
        image = _IMAGE.match(stripped)
        caption = _CAPTION.match(stripped)
        if not stripped or stripped.startswith("%%") or stripped in ("[[foldercontrol]]", "[[index]]", "[[/index]]"):
            continue
        if folder:
            body.append(f"<div class=\"folderlabel\" onclick=\"togglefolder('folder{folders}');\">"
                        f"{escape(folder.group(1), quote=False)}</div>"
                        f'<div id="folder{folders}" class="folder" isfolder="true" style="display:block;">')
            folders += 1
        elif stripped == "[[/folder]]":
            if folders:
                body.append("</div>")
        elif image:
            body.append(f'<div class="quoteright" style="width:350px;">{_anchor(image.group(1))}'
                        f'<img src="{escape(image.group(2))}" class="embeddedimage" alt="a picture"></a></div>')
        elif caption:
            body.append(f'<div class="acaptionright" style="width:350px;">{inline.render(caption.group(1))}</div>')
        elif stripped.startswith("!!"):
            body.append(f"<h2>{inline.render(stripped.lstrip('!'))}</h2>")
        else:
            body.append(f"<p>{inline.render(stripped)}</p>")
    flush()
    label = spaced(name)
    url = f"{SITE}{namespace}/{name}"
    heading = f"<strong>{escape(namespace)} / </strong>{escape(label)}" if namespace != "Main" else escape(label)
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{escape(label)}{'' if namespace == 'Main' else f' ({escape(namespace)})'} - TV Tropes</title>",
        f'<link rel="canonical" href="{escape(url)}" />',
        f'<meta property="og:title" content="{escape(label)}" />',
        f'<meta property="og:url" content="{escape(url)}" />',
        "</head>",
        "<body>",
        f'<h1 itemprop="headline" class="entry-title">{heading}</h1>',
        '<div id="main-article" class="article-content retro-folders">',
        *body,
        "</div>",
        "</body>",
        "</html>",
        "",
    ])


def render_unreadable(namespace: str, name: str) -> str:
    """A page saved from the site that has no article (a login wall, say): a build must reject it."""
    url = f"{SITE}{namespace}/{name}"
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<link rel="canonical" href="{escape(url)}" />\n<title>Log in - TV Tropes</title>\n</head>\n'
            "<body>\n<p>Log in to see this page.</p>\n</body>\n</html>\n")
