"""Stage one of parsing: wiki source text in, a flat stream of tokens out.

Each token is a :class:`Token` carrying its 1-based source line (:func:`token_batches` gives the same
tokens as plain tuples, in lists, which is how the parser reads them). The tokenizer never fails:
anything it does not recognise is text. It knows nothing of nesting; :mod:`tropekg.markup.tree` pairs openers with
closers. Every pattern here is either anchored, bounded by a character class, or searched for with
``str.find`` from a remembered position, so tokenizing is linear in the size of the input even on
pathological text (a million unclosed ``[[`` or ``[=``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from tropekg.titles import (
    WIKIWORD_PATTERN,
    Title,
    free_link_name,
    is_known_namespace,
    is_wikiword,
    make_title,
)

# Token kinds.
TEXT = "text"            # value: the text
LINK = "link"            # value: raw source; title; label (shown text or None)
POTHOLE = "pothole"      # opens [[Target shown ...]] ; title
EXTERNAL = "external"    # opens [[http://... shown]] ; url in value
OPEN = "open"            # opens [[name: ...]] (spoiler, folder, labelnote, quoteright, ...) ; name
DIRECTIVE = "directive"  # [[name]] or [[/name]] ; name (with the slash for closers)
CLOSE = "close"          # ]]
ITALIC = "italic"        # ''
BOLD = "bold"            # '''
BOLD_ITALIC = "bold-italic"  # ''''' : opens both, or closes both in the order they were opened
MONO = "mono"            # @@
ESCAPED = "escaped"      # [=literal=] ; value: the literal text
HANDLE = "handle"        # @/Name or @/{{Some Name}} ; value: the name shown
URL = "url"              # a bare URL (text, never a wiki link)
COMMENT = "comment"      # %% to end of line
BULLET = "bullet"        # line start: *, **, +, # ... ; depth
HEADER = "header"        # line start: !, !!, !!! ; level
RULE = "rule"            # ----
INDENT = "indent"        # line start: -> (depth 1), --> (depth 2) ...
EOL = "eol"              # end of a logical line (a \\ continuation does not end one)


@dataclass(slots=True)
class Token:
    kind: str
    line: int
    value: str = ""
    title: Title | None = None
    label: str | None = None
    depth: int = 0

    def __repr__(self) -> str:  # compact, for test failure messages
        extra = f" {self.title}" if self.title else ""
        return f"<{self.kind}@{self.line}{extra} {self.value!r}>"


# Tokens a line's scan hands over at a time.
_BATCH = 4096

_LINE_START = re.compile(
    r"(?P<bullet>[*+#]+)[ \t]*"
    r"|(?P<header>!{1,3})(?!!)[ \t]*"
    r"|(?P<rule>-{4,})[ \t]*$"
    r"|(?P<indent>-+>)[ \t]*"
)

# Where a bare link may start: not inside a word, a path or an anchor, nor after the "@" of an e-mail
# address; but right after a "[[spoiler:" opener or a "@@" (markup, not part of the word).
# The pattern below has already read the link's first letter, hence the one character more that
# each lookbehind looks past.
_WORD_START = r"(?<![\w/.#](?s:.))(?<!\w@(?s:.))"
assert WIKIWORD_PATTERN.startswith("[A-Z]")
# Linear on any line: a pattern that runs over a word is tried only where a word starts (a free link's
# namespace, bare links), and a pothole target's anchor stops at a bracket; otherwise a search starting
# at each position of a long word, or of "[[A#[[A#...", would rescan the rest of the line.
# Written for the regex engine's fast paths. Every token starts with one of the characters of the
# leading class, which the pattern reads first: a pattern that starts with a character class is
# searched for by skipping, in C, every character not in it (prose, mostly). Then each alternative
# but the capitalised words' starts with the token's second character, which lets the engine pass
# over an alternative that cannot match without entering it, and looks back at both characters to
# know the token is its own. Groups that would start at the first character are taken from the
# match's start instead (see token_batches), and an empty group at an alternative's end names it.
# Keep the class in step with the alternatives.
_INLINE = re.compile(
    r"[\[%\]{h'@A-Z](?:"
    r"=(?<=\[=)(?P<esc>)"
    r"|\[(?<=\[\[)(?:"
    r"(?P<ext>https?://[^\s\]]+)[ \t]*"
    r"|/(?P<closer>[A-Za-z][A-Za-z0-9-]*)\]\]"
    r"|(?P<dir>[a-z][a-z0-9-]*)\]\]"
    r"|(?P<open>[a-z][a-z0-9-]*|AC):"
    r"|(?P<ptarget>(?:[A-Za-z][A-Za-z0-9]*/)?\{\{[^{}\n]{1,200}\}\}[a-z]*"
    r"|[A-Za-z][A-Za-z0-9]*[/.][A-Za-z0-9]+(?:#[^\s\[\]]*)?"
    r"|[A-Za-z0-9]+(?:#[^\s\[\]]*)?)(?:[ \t]+|(?=\]\]))"
    r")"
    r"|%(?<=%%)(?P<comment>)"
    r"|\](?<=\]\])(?P<close>)"
    # {{Free Link}} (Ns/{{Free Link}} is among the capitalised words)
    r"|\{(?<=\{\{)(?P<fbody_>[^{}\n]{1,200})\}\}(?P<fsuf_>[a-z]*)(?P<free_>)"
    r"|t(?<=ht)tps?://[^\s\[\]<>\"]+(?P<url>)"
    r"|'(?<='')'{0,3}(?P<quotes>)"
    r"|@(?<=@@)(?P<mono>)"
    r"|/(?<=@/)(?:\{\{(?P<hfree>[^{}\n]{1,200})\}\}|(?P<handle>[A-Za-z0-9_]+))"
    # a capitalised word, its first letter read: Ns/{{Free Link}}, Ns/Page or Ns.Page, WikiWord.
    # Each of the three needs, after the lower-case letters that follow the capital, a capital or a
    # digit (a WikiWord's hump, a namespace's next letters) or a "/" or "."; the lookahead asks that
    # first, so a word of prose ("The ") fails once instead of in each alternative.
    r"|(?<=[A-Z])(?=[a-z]*+[A-Z0-9/.])(?:"
    r"(?<![A-Za-z0-9](?s:.))(?P<fns>[A-Za-z0-9]*+)/\{\{(?P<fbody>[^{}\n]{1,200})\}\}(?P<fsuf>[a-z]*)(?P<free>)"
    r"|" + _WORD_START + r"(?P<ns>[A-Za-z0-9]*+)(?P<sep>[/.])(?P<page>[A-Za-z0-9]++)(?:#[\w-]*)?"
    r"|" + _WORD_START + r"(?P<ww>" + WIKIWORD_PATTERN[len("[A-Z]"):] + r")"
    r")"
    r")"
)
# The same without "h" in the leading class, for a line with no "http" in it (no URL can start
# there): the "h" of every "the" is otherwise a place to try the pattern.
_INLINE_NO_URL = re.compile(_INLINE.pattern.replace("[\\[%\\]{h'@A-Z]", "[\\[%\\]{'@A-Z]", 1))
assert _INLINE_NO_URL.pattern != _INLINE.pattern


def free_link_title(ns: str | None, body: str, suffix: str = "") -> tuple[Title | None, str]:
    """Title and shown text of ``{{body}}suffix`` (optionally ``Ns/{{body}}``).

    ``{{averted|Trope}}`` links ``AvertedTrope`` shown "averted"; ``{{Worthy Opponent}}s`` links
    ``WorthyOpponent`` shown "Worthy Opponents"; ``{{Film/RED}}`` links ``Film/RED`` shown "RED".
    An anchor names a place on the page, not another page: ``{{Film/RED#Trivia}}`` links ``Film/RED``.
    """
    body = body.split("#", 1)[0]
    if "|" in body:
        word, _, tail = body.partition("|")
        shown = word.strip() + suffix
        name = free_link_name(word + " " + tail)
    else:
        shown = body.strip() + suffix
        name = free_link_name(body)
    if ns is None and "/" in body:
        inner_ns, _, inner = body.partition("/")
        inner_ns = inner_ns.strip()
        if inner_ns.isalnum():
            shown = inner.strip() + suffix
            return make_title(inner_ns, free_link_name(inner)), shown
    return make_title(ns, name), shown


def dotted_title(ns: str, page: str) -> Title | None:
    """``Ns.Page``: a link when the namespace is one the wiki has, or when the page part is a
    WikiWord (PmWiki's ``Group.WikiWord``, in a namespace our table lacks); else prose ("Word.Next")."""
    if is_known_namespace(ns) or is_wikiword(page):
        return make_title(ns, page)
    return None


def _target_title(target: str) -> Title | None:
    """The page a pothole's target names, in any of the link forms."""
    if "{{" in target:
        m = re.fullmatch(r"(?:([A-Za-z][A-Za-z0-9]*)/)?\{\{([^{}]*)\}\}([a-z]*)", target)
        if m is None:
            return None
        return free_link_title(m.group(1), m.group(2), m.group(3))[0]
    target = target.split("#", 1)[0]
    for sep in "/.":
        if sep in target:
            ns, _, page = target.partition(sep)
            if sep == ".":
                return dotted_title(ns, page)
            return make_title(ns, page)
    return make_title(None, target)


@lru_cache(maxsize=8192)
def _word_title(word: str) -> Title | None:
    return make_title(None, word)


@lru_cache(maxsize=8192)
def _page_title(ns: str, sep: str, page: str) -> Title | None:
    return make_title(ns, page) if sep == "/" else dotted_title(ns, page)


# A page names the same pages over and over (and pages share the common ones): the titles a link's
# spelling gives are remembered, since working one out is most of what a link token costs. These
# are pure functions of the spelling, so remembering never changes a result.
_cached_free_link_title = lru_cache(maxsize=8192)(free_link_title)
_cached_target_title = lru_cache(maxsize=8192)(_target_title)

# The characters a line-start marker (_LINE_START) begins with: other lines skip the match.
_LINE_START_CHARS = frozenset("*+#!-")

TokenTuple = tuple[str, int, str, "Title | None", "str | None", int]
"""A token as the tree builder reads it: the fields of :class:`Token`, in order, as a tuple (a
tenth of the cost of making a :class:`Token`)."""


def token_batches(text: str) -> Iterator[list[TokenTuple]]:
    """The tokens of a page's source (see :func:`iter_tokens`) as :data:`TokenTuple` values, in
    lists of about :data:`_BATCH` (a page may be 30 MB on one line: its tokens are never all held,
    and its lines are read one at a time).

    This is the tokenizer's one loop, written for speed: one compiled pattern searched from each
    position, whose leading lookahead skips prose at C speed (a line with no markup is one search);
    tuples, not objects; and the titles links name remembered rather than worked out again."""
    out: list[TokenTuple] = []
    append = out.append
    search_any = _INLINE.search
    search_no_url = _INLINE_NO_URL.search
    line_start = _LINE_START.match
    line_start_chars = _LINE_START_CHARS
    continuing = False
    lineno = 0
    start = 0
    while True:
        lineno += 1
        end = text.find("\n", start)
        raw = text[start:] if end < 0 else text[start:end]
        if raw and raw[-1] == "\r":
            raw = raw[:-1]
        cont = raw.endswith("\\")
        breaks = 0
        if cont:
            stripped = raw.rstrip("\\")
            breaks = len(raw) - len(stripped) - 1
            raw = stripped
        pos = 0
        if not continuing and raw and raw[0] in line_start_chars:
            m = line_start(raw)
            if m is not None:
                group = m.lastgroup
                marker = m.group(group)
                if group == "bullet":
                    append((BULLET, lineno, marker, None, None, len(marker)))
                elif group == "header":
                    append((HEADER, lineno, marker, None, None, len(marker)))
                elif group == "rule":
                    append((RULE, lineno, marker, None, None, 0))
                else:
                    append((INDENT, lineno, marker, None, None, len(marker) - 1))
                pos = m.end()
        n = len(raw)
        search = search_any if "http" in raw else search_no_url
        no_esc_close_after = -1  # position from which "=]" is known not to occur on this line
        while pos < n:
            if len(out) >= _BATCH:
                yield out
                out = []
                append = out.append
            m = search(raw, pos)
            if m is None:
                append((TEXT, lineno, raw[pos:], None, None, 0))
                break
            mstart, end_of_match = m.span()
            if mstart > pos:
                append((TEXT, lineno, raw[pos:mstart], None, None, 0))
            group = m.lastgroup
            pos = end_of_match
            # most frequent first
            if group == "ww":
                word = raw[mstart:pos]
                append((LINK, lineno, word, _word_title(word), None, 0))
            elif group == "quotes":
                q = pos - mstart
                if q == 2:
                    append((ITALIC, lineno, "''", None, None, 0))
                elif q == 3:
                    append((BOLD, lineno, "'''", None, None, 0))
                elif q == 4:
                    append((TEXT, lineno, "'", None, None, 0))
                    append((BOLD, lineno, "'''", None, None, 0))
                else:
                    append((BOLD_ITALIC, lineno, "'''''", None, None, 0))
            elif group == "close":
                append((CLOSE, lineno, "]]", None, None, 0))
            elif group == "page":
                ns = raw[mstart:m.end("ns")]
                sep, page = m.group("sep", "page")
                title = _page_title(ns, sep, page)
                if title is None:
                    # "Word.Next" in prose: only the first word can be a link.
                    pos = mstart + len(ns)
                    if is_wikiword(ns):
                        append((LINK, lineno, ns, _word_title(ns), None, 0))
                    else:
                        append((TEXT, lineno, ns, None, None, 0))
                else:
                    append((LINK, lineno, m.group(), title, None, 0))
            elif group == "open":
                append((OPEN, lineno, m.group("open"), None, None, 0))
            elif group == "dir":
                append((DIRECTIVE, lineno, m.group("dir"), None, None, 0))
            elif group == "ptarget":
                target = m.group("ptarget")
                title = _cached_target_title(target)
                if title is None:
                    append((TEXT, lineno, m.group(), None, None, 0))
                else:
                    append((POTHOLE, lineno, target, title, None, 0))
            elif group == "free" or group == "free_":
                if group == "free":  # Ns/{{Free Link}}
                    title, shown = _cached_free_link_title(raw[mstart:m.end("fns")], *m.group("fbody", "fsuf"))
                else:
                    title, shown = _cached_free_link_title(None, *m.group("fbody_", "fsuf_"))
                if title is None:
                    append((TEXT, lineno, m.group(), None, None, 0))
                else:
                    append((LINK, lineno, m.group(), title, shown, 0))
            elif group == "closer":
                append((DIRECTIVE, lineno, "/" + m.group("closer").lower(), None, None, 0))
            elif group == "esc":
                close = -1 if 0 <= no_esc_close_after <= pos else raw.find("=]", pos)
                if close < 0:
                    no_esc_close_after = pos
                    append((TEXT, lineno, "[=", None, None, 0))
                else:
                    append((ESCAPED, lineno, raw[pos:close], None, None, 0))
                    pos = close + 2
            elif group == "comment":
                append((COMMENT, lineno, raw[mstart:], None, None, 0))
                break
            elif group == "ext":
                append((EXTERNAL, lineno, m.group("ext"), None, None, 0))
            elif group == "url":
                append((URL, lineno, m.group(), None, None, 0))
            elif group == "mono":
                append((MONO, lineno, "@@", None, None, 0))
            elif group == "handle":
                append((HANDLE, lineno, m.group("handle"), None, None, 0))
            elif group == "hfree":
                # a troper's handle with spaces: a name, never a link to a Main/ page
                append((HANDLE, lineno, " ".join(m.group("hfree").split()), None, None, 0))
            else:  # pragma: no cover - every alternative is named above
                raise AssertionError(f"tokenizer: unhandled group {group!r}")
        if cont:
            if breaks:
                append((TEXT, lineno, " ", None, None, 0))
            continuing = True
        else:
            append((EOL, lineno, "", None, None, 0))
            continuing = False
        if end < 0:
            break
        if len(out) >= _BATCH:
            yield out
            out = []
            append = out.append
        start = end + 1
    yield out


def tokenize(text: str) -> list[Token]:
    """All tokens of a page's source (see :func:`iter_tokens`)."""
    return list(iter_tokens(text))


def iter_tokens(text: str) -> Iterator[Token]:
    """The tokens of a page's source, one at a time. Lines end at ``\n`` (a ``\r`` before it is
    dropped). A line ending in a backslash continues on the next one, which stays part of the same
    logical line (so a ``[[caption:...`` split over two lines is one caption): PmWiki's rule, where
    one backslash joins the lines and each further one is a line break, shown here as a space."""
    for batch in token_batches(text):
        for fields in batch:
            yield Token(*fields)
