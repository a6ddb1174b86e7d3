"""Stage one of parsing: wiki source text in, a flat stream of tokens out.

Each token is a :class:`Token` carrying its 1-based source line. The tokenizer never fails: anything it
does not recognise is text. It knows nothing of nesting; :mod:`tropekg.markup.tree` pairs openers with
closers. Every pattern here is either anchored, bounded by a character class, or searched for with
``str.find`` from a remembered position, so tokenizing is linear in the size of the input even on
pathological text (a million unclosed ``[[`` or ``[=``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

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
_WORD_START = r"(?<![\w/.#])(?<!\w@)"
# Linear on any line: a pattern that runs over a word is tried only where a word starts (a free link's
# namespace, bare links), and a pothole target's anchor stops at a bracket; otherwise a search starting
# at each position of a long word, or of "[[A#[[A#...", would rescan the rest of the line.
# Every alternative starts with one of the characters in the leading lookahead. The lookahead is
# what lets the regex engine skip plain prose at C speed (about five times faster on real pages)
# instead of trying each alternative at every position; keep it in step with the alternatives.
_INLINE = re.compile(
    r"(?=[\[%\]{h'@A-Z])(?:"
    r"(?P<esc>\[=)"
    r"|(?P<comment>%%)"
    r"|\[\[(?:"
    r"(?P<ext>https?://[^\s\]]+)[ \t]*"
    r"|/(?P<closer>[A-Za-z][A-Za-z0-9-]*)\]\]"
    r"|(?P<dir>[a-z][a-z0-9-]*)\]\]"
    r"|(?P<open>[a-z][a-z0-9-]*|AC):"
    r"|(?P<ptarget>(?:[A-Za-z][A-Za-z0-9]*/)?\{\{[^{}\n]{1,200}\}\}[a-z]*"
    r"|[A-Za-z][A-Za-z0-9]*[/.][A-Za-z0-9]+(?:#[^\s\[\]]*)?"
    r"|[A-Za-z0-9]+(?:#[^\s\[\]]*)?)(?:[ \t]+|(?=\]\]))"
    r")"
    r"|(?P<close>\]\])"
    r"|(?P<free>(?:(?<![A-Za-z0-9])(?P<fns>[A-Z][A-Za-z0-9]*+)/)?"
    r"\{\{(?P<fbody>[^{}\n]{1,200})\}\}(?P<fsuf>[a-z]*))"
    r"|(?P<url>https?://[^\s\[\]<>\"]+)"
    r"|" + _WORD_START + r"(?P<ns>[A-Z][A-Za-z0-9]*+)(?P<sep>[/.])(?P<page>[A-Za-z0-9]++)(?:#[\w-]*)?"
    r"|" + _WORD_START + r"(?P<ww>" + WIKIWORD_PATTERN + r")"
    r"|(?P<quotes>'{2,5})"
    r"|(?P<mono>@@)"
    r"|@/(?:\{\{(?P<hfree>[^{}\n]{1,200})\}\}|(?P<handle>[A-Za-z0-9_]+))"
    r")"
)


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


class _LineScanner:
    """Tokenizes one physical line's inline markup into ``out``. Remembers, per line, where closers
    are absent so that a line of a million unclosed ``[=`` costs one scan, not a million."""

    __slots__ = ("line", "out")

    def __init__(self) -> None:
        self.out: list[Token] = []
        self.line = 0

    def scan(self, text: str, pos: int, lineno: int) -> Iterator[list[Token]]:
        """Scans the line, handing over ``out`` whenever it holds :data:`_BATCH` tokens (a line may
        be 30 MB long: its tokens are never all held); what is left stays in ``out``."""
        out = self.out
        search = _INLINE.search
        n = len(text)
        no_esc_close_after = -1  # position from which "=]" is known not to occur
        while pos < n:
            if len(out) >= _BATCH:
                yield out
                out = self.out = []
            m = search(text, pos)
            if m is None:
                out.append(Token(TEXT, lineno, text[pos:]))
                return
            start = m.start()
            if start > pos:
                out.append(Token(TEXT, lineno, text[pos:start]))
            group = m.lastgroup
            end = m.end()
            if group == "esc":
                close = -1 if 0 <= no_esc_close_after <= end else text.find("=]", end)
                if close < 0:
                    no_esc_close_after = end
                    out.append(Token(TEXT, lineno, "[="))
                else:
                    out.append(Token(ESCAPED, lineno, text[end:close]))
                    end = close + 2
            elif group == "comment":
                out.append(Token(COMMENT, lineno, text[start:]))
                return
            elif group == "ext":
                out.append(Token(EXTERNAL, lineno, m.group("ext")))
            elif group == "closer":
                out.append(Token(DIRECTIVE, lineno, "/" + m.group("closer").lower()))
            elif group == "dir":
                out.append(Token(DIRECTIVE, lineno, m.group("dir")))
            elif group == "open":
                out.append(Token(OPEN, lineno, m.group("open")))
            elif group == "ptarget":
                target = m.group("ptarget")
                title = _target_title(target)
                if title is None:
                    out.append(Token(TEXT, lineno, m.group()))
                else:
                    out.append(Token(POTHOLE, lineno, target, title))
            elif group == "close":
                out.append(Token(CLOSE, lineno, "]]"))
            elif group == "free":
                title, shown = free_link_title(m.group("fns"), m.group("fbody"), m.group("fsuf"))
                if title is None:
                    out.append(Token(TEXT, lineno, m.group()))
                else:
                    out.append(Token(LINK, lineno, m.group(), title, shown))
            elif group == "url":
                out.append(Token(URL, lineno, m.group()))
            elif group == "page":
                ns, sep, page = m.group("ns"), m.group("sep"), m.group("page")
                title = make_title(ns, page) if sep == "/" else dotted_title(ns, page)
                if title is None:
                    # "Word.Next" in prose: only the first word can be a link.
                    end = start + len(ns)
                    self._word(ns, lineno)
                else:
                    out.append(Token(LINK, lineno, m.group(), title, None))
            elif group == "ww":
                word = m.group("ww")
                out.append(Token(LINK, lineno, word, make_title(None, word), None))
            elif group == "quotes":
                q = len(m.group("quotes"))
                if q == 2:
                    out.append(Token(ITALIC, lineno, "''"))
                elif q == 3:
                    out.append(Token(BOLD, lineno, "'''"))
                elif q == 4:
                    out.append(Token(TEXT, lineno, "'"))
                    out.append(Token(BOLD, lineno, "'''"))
                else:
                    out.append(Token(BOLD_ITALIC, lineno, "'''''"))
            elif group == "mono":
                out.append(Token(MONO, lineno, "@@"))
            elif group == "handle":
                out.append(Token(HANDLE, lineno, m.group("handle")))
            elif group == "hfree":
                # a troper's handle with spaces: a name, never a link to a Main/ page
                out.append(Token(HANDLE, lineno, " ".join(m.group("hfree").split())))
            else:  # pragma: no cover - every alternative is named above
                raise AssertionError(f"tokenizer: unhandled group {group!r}")
            pos = end

    def _word(self, word: str, lineno: int) -> None:
        if is_wikiword(word):
            self.out.append(Token(LINK, lineno, word, make_title(None, word), None))
        else:
            self.out.append(Token(TEXT, lineno, word))


def tokenize(text: str) -> list[Token]:
    """All tokens of a page's source (see :func:`iter_tokens`)."""
    return list(iter_tokens(text))


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` (split at ``\n``), one at a time rather than a list of them all."""
    start = 0
    while True:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end]
        start = end + 1


def iter_tokens(text: str) -> Iterator[Token]:
    """The tokens of a page's source, one at a time. Lines end at ``\n`` (a ``\r`` before it is
    dropped). A line ending in a backslash continues on the next one, which stays part of the same
    logical line (so a ``[[caption:...`` split over two lines is one caption): PmWiki's rule, where
    one backslash joins the lines and each further one is a line break, shown here as a space."""
    scanner = _LineScanner()
    line_start = _LINE_START.match
    continuing = False
    for lineno, raw in enumerate(_lines(text), start=1):
        out = scanner.out
        raw = raw.removesuffix("\r")
        cont = raw.endswith("\\")
        if cont:
            stripped = raw.rstrip("\\")
            breaks = len(raw) - len(stripped) - 1
            raw = stripped
        pos = 0
        if not continuing:
            m = line_start(raw)
            if m is not None:
                group = m.lastgroup
                if group == "bullet":
                    out.append(Token(BULLET, lineno, m.group("bullet"), depth=len(m.group("bullet"))))
                elif group == "header":
                    out.append(Token(HEADER, lineno, m.group("header"), depth=len(m.group("header"))))
                elif group == "rule":
                    out.append(Token(RULE, lineno, m.group("rule")))
                else:
                    out.append(Token(INDENT, lineno, m.group("indent"), depth=len(m.group("indent")) - 1))
                pos = m.end()
        if pos < len(raw):
            for batch in scanner.scan(raw, pos, lineno):
                yield from batch
            out = scanner.out
        if cont:
            if breaks:
                out.append(Token(TEXT, lineno, " "))
            continuing = True
        else:
            out.append(Token(EOL, lineno))
            continuing = False
        yield from out
        out.clear()
