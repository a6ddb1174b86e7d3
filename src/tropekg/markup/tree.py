"""Stage two of parsing: the token stream in, a tree of nodes out.

Blocks (folders, index lists) hold line nodes (paragraph, bullet, header, indent, rule); line nodes hold
inline nodes (text, links, potholes, spoilers, notes, formatting). Every node keeps its source line.
Broken markup never raises: an unclosed construct is closed where it must be (inline ones at the end of
their line, blocks at the end of the page) and a warning with the line number says so; openers nested
deeper than :data:`MAX_NESTING` are ignored, with a warning. :func:`iter_page_lines` gives the same
tree's lines (:class:`PageLine`) one at a time as the tokens are read, never the whole tree, for a
page too big to hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from tropekg.markup import tokens as T
from tropekg.titles import Title

# Node kinds.
DOCUMENT = "document"
FOLDER = "folder"          # value: the folder title as shown; children: its title, then line nodes
FOLDER_TITLE = "folder-title"
INDEX = "index"            # [[index]] ... [[/index]]
PARAGRAPH = "paragraph"
BULLET = "bullet"          # depth
HEADER = "header"          # depth = level
INDENT = "indent"          # -> quote lines (depth 1) and --> attribution lines (depth 2+)
RULE = "rule"
COMMENT_LINE = "comment-line"
TEXT = "text"
LINK = "link"              # title; value = shown text or None
POTHOLE = "pothole"        # title; children = shown text
EXTERNAL = "external"      # value = URL; children = shown text
SPOILER = "spoiler"
NOTE = "note"              # value = label for labelnotes
ITALIC = "italic"
BOLD = "bold"
MONO = "mono"
STRIKE = "strike"
ESCAPED = "escaped"
HANDLE = "handle"
URL = "url"
COMMENT = "comment"
DIRECTIVE = "directive"    # a lowercase directive such as [[foldercontrol]] or [[noreallife]]
CONTAINER = "container"    # [[name: ...]] for any other name (quoteright, caption-width-right, AC, ...)

_FORMATTING = {T.ITALIC: ITALIC, T.BOLD: BOLD, T.MONO: MONO}
_BRACKETED = {POTHOLE, EXTERNAL, SPOILER, STRIKE, CONTAINER, FOLDER_TITLE, "labelnote-title"}
_LINE_KINDS = {T.BULLET: BULLET, T.HEADER: HEADER, T.INDENT: INDENT}
# Real pages nest a handful of constructs. The cap keeps the tree, and every recursive walk over it,
# shallow on pathological input such as 100,000 unclosed "[[Foo " or "[[index]]" on one page.
MAX_NESTING = 100


# The children of a node that never has any (text, a link, a comment...): one shared empty tuple
# rather than an empty list each, which on a page of links was an eighth of its tree.
LEAF: tuple = ()


@dataclass(slots=True, eq=False)
class Node:
    kind: str
    line: int
    children: list[Node] = field(default_factory=list)
    value: str | None = None
    title: Title | None = None
    depth: int = 0
    # where on its line the node starts (1-based), when the source packs many nodes on one line:
    # a rendered HTML page often holds a whole list on one line; markup lines need no column
    column: int | None = None

    def walk(self) -> Iterator[Node]:
        """This node and all below it, in document order."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            if node.children:
                stack.extend(reversed(node.children))

    def __repr__(self) -> str:
        bits = [self.kind, f"@{self.line}"]
        if self.title is not None:
            bits.append(str(self.title))
        if self.value is not None:
            bits.append(repr(self.value))
        return f"<{' '.join(bits)}>"


@dataclass(slots=True)
class Warning_:
    line: int
    message: str


def plain_text(nodes: list[Node]) -> str:
    """The text a reader sees, markup removed; comments and directives dropped."""
    parts: list[str] = []
    _plain(nodes, parts)
    return "".join(parts)


def _plain(nodes: list[Node], parts: list[str]) -> None:
    for node in nodes:
        kind = node.kind
        if kind == TEXT or kind == ESCAPED or kind == URL:
            parts.append(node.value or "")
        elif kind == LINK:
            parts.append(node.value if node.value is not None else node.title.name)
        elif kind == HANDLE:
            parts.append(node.value or "")
        elif kind in (COMMENT, DIRECTIVE):
            continue
        elif kind == NOTE:
            parts.append(" (")
            _plain(node.children, parts)
            parts.append(")")
        else:
            _plain(node.children, parts)


class _Builder:
    def __init__(self) -> None:
        self.root = Node(DOCUMENT, 1)
        self.blocks: list[Node] = [self.root]     # open block containers
        self.inline: list[Node] = []              # open inline containers, line node first
        self.warnings: list[Warning_] = []
        self.too_deep_line = 0                    # the line last warned about nesting past the cap

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(Warning_(line, message))

    # -- lines -----------------------------------------------------------------------------
    def start_line(self, kind: str, line: int, depth: int = 0) -> None:
        node = Node(kind, line, [], None, None, depth)
        self.blocks[-1].children.append(node)
        self.inline = [node]

    def ensure_line(self, line: int) -> None:
        if not self.inline:
            self.start_line(PARAGRAPH, line)

    def end_line(self, line: int) -> None:
        while len(self.inline) > 1:
            node = self.inline.pop()
            self.warn(node.line, f"unclosed {_describe(node)} at the end of line {line}")
            if node.kind in (FOLDER_TITLE, "labelnote-title"):
                self._finish_title(node)
        if self.inline:
            line_node = self.inline[0]
            if not line_node.children and line_node.kind == PARAGRAPH:
                siblings = self.blocks[-1].children
                if siblings and siblings[-1] is line_node:
                    siblings.pop()
                else:
                    siblings.remove(line_node)
            self.inline = []

    # -- inline ----------------------------------------------------------------------------
    def add(self, node: Node) -> None:
        if not self.inline:
            self.start_line(PARAGRAPH, node.line)
        self.inline[-1].children.append(node)

    def push(self, node: Node) -> None:
        if len(self.inline) > MAX_NESTING:
            self.too_deep(node.line, _opener(node))
            return
        if not self.inline:
            self.start_line(PARAGRAPH, node.line)
        inline = self.inline
        inline[-1].children.append(node)
        inline.append(node)

    def too_deep(self, line: int, what: str) -> None:
        """Past the nesting cap an opener is ignored; one warning per line says so."""
        if self.too_deep_line != line:
            self.too_deep_line = line
            self.warn(line, f"markup nested more than {MAX_NESTING} deep; ignoring {what} and "
                            f"further openers on line {line}")

    def toggle(self, kind: str, line: int) -> None:
        """''italic'', '''bold''' and @@mono@@: close the innermost open one of this kind, or open."""
        for i in range(len(self.inline) - 1, 0, -1):
            node = self.inline[i]
            if node.kind == kind:
                for inner in self.inline[i + 1 :]:
                    self.warn(inner.line, f"unclosed {_describe(inner)} closed by {kind} on line {line}")
                del self.inline[i:]
                return
            if node.kind in _BRACKETED or node.kind == NOTE:
                break  # formatting does not close across a bracket
        self.push(Node(kind, line))

    def toggle_bold_italic(self, line: int) -> None:
        """''''' closes the innermost of the two first, so '''''x''''' nests properly."""
        if len(self.inline) > 1 and self.inline[-1].kind == ITALIC:
            self.toggle(ITALIC, line)
            self.toggle(BOLD, line)
        else:
            self.toggle(BOLD, line)
            self.toggle(ITALIC, line)

    def close_bracket(self, line: int) -> None:
        for i in range(len(self.inline) - 1, 0, -1):
            node = self.inline[i]
            if node.kind in _BRACKETED:
                for inner in self.inline[i + 1 :]:
                    self.warn(inner.line, f"unclosed {_describe(inner)} closed by ]] on line {line}")
                del self.inline[i:]
                if node.kind in (FOLDER_TITLE, "labelnote-title"):
                    self._finish_title(node)
                return
        self.add(Node(TEXT, line, LEAF, "]]"))
        self.warn(line, "stray ]] with no [[ open")

    def _finish_title(self, node: Node) -> None:
        """A [[folder:Title]] or [[labelnote:Label]] just closed: open what it titles."""
        line_node = self.inline[0] if self.inline else None
        parent = self.inline[-1] if self.inline else None
        if parent is not None and node in parent.children:
            parent.children.remove(node)
        if node.kind == "labelnote-title":
            self.push(Node(NOTE, node.line, value=plain_text(node.children).strip()))
            return
        if (line_node is not None and line_node.kind == PARAGRAPH and not line_node.children
                and line_node in self.blocks[-1].children):
            self.blocks[-1].children.remove(line_node)
        self.close_folder(node.line, implicit=True)
        folder = Node(FOLDER, node.line, value=plain_text(node.children).strip())
        # the title's own nodes stay in the tree (its links are links) as the folder's first child
        folder.children.append(Node(FOLDER_TITLE, node.line, children=node.children))
        self.blocks[-1].children.append(folder)
        self.blocks.append(folder)
        self.inline = []

    # -- blocks ----------------------------------------------------------------------------
    def close_folder(self, line: int, implicit: bool = False) -> None:
        """Close the open folder: explicitly with [[/folder]], implicitly when the next one opens
        (TV Tropes pages often omit [[/folder]] between folders)."""
        for i in range(len(self.blocks) - 1, 0, -1):
            if self.blocks[i].kind == FOLDER:
                if implicit:
                    self.warn(self.blocks[i].line,
                              f"folder opened on line {self.blocks[i].line} is not closed before "
                              f"the next folder on line {line}")
                del self.blocks[i:]
                return
        if not implicit:
            self.warn(line, "stray [[/folder]] with no folder open")

    def directive(self, name: str, line: int) -> None:
        if name == "index":
            self.end_line(line)
            if len(self.blocks) > MAX_NESTING:
                self.too_deep(line, "[[index]]")
                return
            node = Node(INDEX, line)
            self.blocks[-1].children.append(node)
            self.blocks.append(node)
        elif name == "/index":
            self.end_line(line)  # text after the closer is outside the block
            for i in range(len(self.blocks) - 1, 0, -1):
                if self.blocks[i].kind == INDEX:
                    del self.blocks[i:]
                    break
            else:
                self.warn(line, "stray [[/index]] with no index open")
        elif name == "/folder":
            self.end_line(line)
            self.close_folder(line)
        elif name == "note":
            self.push(Node(NOTE, line))
        elif name in ("/note", "/labelnote"):
            for i in range(len(self.inline) - 1, 0, -1):
                if self.inline[i].kind == NOTE:
                    del self.inline[i:]
                    return
            self.warn(line, f"stray [[{name}]] with no note open")
        elif name.startswith("/"):
            for i in range(len(self.inline) - 1, 0, -1):
                if self.inline[i].kind == CONTAINER and self.inline[i].value == name[1:]:
                    del self.inline[i:]
                    return
            self.add(Node(DIRECTIVE, line, LEAF, name))
        else:
            self.add(Node(DIRECTIVE, line, LEAF, name))

    def open(self, name: str, line: int) -> None:
        if name == "spoiler":
            self.push(Node(SPOILER, line, []))
        elif name == "strike":
            self.push(Node(STRIKE, line, []))
        elif name == "folder":
            self.push(Node(FOLDER_TITLE, line, []))
        elif name == "labelnote":
            self.push(Node("labelnote-title", line, []))
        else:
            self.push(Node(CONTAINER, line, [], name))

    def drain(self) -> list[PageLine]:
        """The lines finished since the last call (:func:`finished_lines`): lines are only ever
        added to the innermost open block, and only the open line is ever taken back out of one
        (an empty paragraph, a line a folder title ended), so what is taken is final."""
        return finished_lines(self.blocks, self.inline[0] if self.inline else None)

    def finish(self, last_line: int) -> Node:
        self.end_line(last_line)
        for block in self.blocks[1:]:
            self.warn(block.line, f"{block.kind} opened on line {block.line} is never closed")
        self.blocks = [self.root]
        return self.root


_OPENER_NAMES = {
    POTHOLE: "[[ link", EXTERNAL: "[[ external link", SPOILER: "[[spoiler:", STRIKE: "[[strike:",
    ITALIC: "'' italics", BOLD: "''' bold", MONO: "@@ monospace", NOTE: "[[note]]",
    FOLDER_TITLE: "[[folder:", "labelnote-title": "[[labelnote:",
}


def _opener(node: Node) -> str:
    if node.kind == CONTAINER:
        return f"[[{node.value}:"
    return _OPENER_NAMES.get(node.kind, node.kind)


def _describe(node: Node) -> str:
    return f"{_opener(node)} opened on line {node.line}"


def build_tree(tokens: Iterable[T.Token]) -> tuple[Node, list[Warning_]]:
    """The page tree and the warnings about broken markup met on the way."""
    return build_tree_from_batches(_batched(tokens))


def _batched(tokens: Iterable[T.Token]) -> Iterator[list[T.TokenTuple]]:
    batch: list[T.TokenTuple] = []
    for tok in tokens:
        batch.append((tok.kind, tok.line, tok.value, tok.title, tok.label, tok.depth))
        if len(batch) >= 4096:
            yield batch
            batch = []
    yield batch


def build_tree_from_batches(batches: Iterable[list[T.TokenTuple]]) -> tuple[Node, list[Warning_]]:
    """:func:`build_tree` from :func:`tropekg.markup.tokens.token_batches`' lists of token tuples,
    the way :func:`tropekg.markup.parse.parse_text` reads a page: no token object is made."""
    b = _Builder()
    for _ in _feed(b, batches):
        pass
    return b.root, b.warnings


@dataclass(slots=True)
class PageLine:
    """A line node of the page (or a folder's title, whose links are links of the page), with the
    folder it sits in (its title as shown) and whether it sits in an ``[[index]]`` block."""

    node: Node
    folder: str | None
    in_index: bool


def page_lines(root: Node) -> list[PageLine]:
    """The lines of a page tree in document order, each with its folder and index, folder titles
    among them where their folders open: what :func:`iter_page_lines` gives, from a whole tree."""
    out: list[PageLine] = []
    _block_lines(root, None, False, out)
    return out


def _block_lines(block: Node, folder: str | None, in_index: bool, out: list[PageLine]) -> None:
    for child in block.children:
        kind = child.kind
        if kind == FOLDER:
            _block_lines(child, child.value, in_index, out)
        elif kind == INDEX:
            _block_lines(child, folder, True, out)
        else:
            out.append(PageLine(child, folder, in_index))


def finished_lines(blocks: list[Node], open_line: Node | None = None) -> list[PageLine]:
    """The lines of a tree being built, taken out of it in document order: all but the open
    blocks ``blocks`` (the document, then each block open in the one before, the last child of
    it: each stays where it is, to take its next lines) and ``open_line``, the line still being
    read in the innermost one."""
    out: list[PageLine] = []
    folder: str | None = None
    in_index = False
    last = len(blocks) - 1
    for i, block in enumerate(blocks):
        below = blocks[i + 1] if i < last else None
        children = block.children
        if children and not (len(children) == 1 and (children[0] is below or children[0] is open_line)):
            kept: list[Node] = []
            for child in children:
                if child is below or child is open_line:
                    kept.append(child)
                elif child.kind == FOLDER:
                    _block_lines(child, child.value, in_index, out)
                elif child.kind == INDEX:
                    _block_lines(child, folder, True, out)
                else:
                    out.append(PageLine(child, folder, in_index))
            block.children = kept
        if below is not None:
            if below.kind == FOLDER:
                folder = below.value
            elif below.kind == INDEX:
                in_index = True
    return out


def iter_page_lines(batches: Iterable[list[T.TokenTuple]], warnings: list[Warning_]) -> Iterator[PageLine]:
    """:func:`page_lines` of the tree :func:`build_tree_from_batches` would build, a line at a time
    as the tokens are read: the tree is never held whole, only the lines not yet handed over and
    the blocks still open (a page of 200,000 bullets is read in the memory of a few thousand).
    The warnings about broken markup go to ``warnings``, complete once the lines are."""
    b = _Builder()
    for _ in _feed(b, batches):
        yield from b.drain()
    yield from b.drain()
    warnings.extend(b.warnings)


def _feed(b: _Builder, batches: Iterable[list[T.TokenTuple]]) -> Iterator[None]:
    """Builds the tree from the token batches into ``b``, pausing after each batch (a caller may
    then take the finished lines, :meth:`_Builder.drain`), and finishes it at the end. The
    commonest tokens (text, links, line ends, bullets) are handled here rather than in a method."""
    blocks = b.blocks
    line = 1
    # the token kinds, as local names: a module attribute read for each comparison of each token
    # is a measurable share of this loop
    t_text, t_link, t_eol, t_bullet, t_close = T.TEXT, T.LINK, T.EOL, T.BULLET, T.CLOSE
    t_italic, t_bold, t_mono = T.ITALIC, T.BOLD, T.MONO
    for batch in batches:
        for kind, line, value, title, label, depth in batch:
            if kind == t_text:
                inline = b.inline
                if not inline:
                    b.start_line(PARAGRAPH, line)
                    inline = b.inline
                inline[-1].children.append(Node(TEXT, line, LEAF, value))
            elif kind == t_link:
                inline = b.inline
                if not inline:
                    b.start_line(PARAGRAPH, line)
                    inline = b.inline
                for node in inline:
                    if node.kind == POTHOLE or node.kind == EXTERNAL:
                        # a link's shown text holds no other link
                        node = Node(TEXT, line, LEAF, label if label is not None else value)
                        break
                else:
                    node = Node(LINK, line, LEAF, label, title)
                inline[-1].children.append(node)
            elif kind == t_eol:
                inline = b.inline
                if len(inline) == 1 and (inline[0].children or inline[0].kind != PARAGRAPH):
                    b.inline = []  # a line with nothing left open: what end_line() would do
                elif inline:
                    b.end_line(line)
            elif kind == t_bullet:
                if b.inline:
                    b.end_line(line)
                node = Node(BULLET, line, [], None, None, depth)
                blocks[-1].children.append(node)
                b.inline = [node]
            elif kind == t_italic or kind == t_bold or kind == t_mono:
                formatting = _FORMATTING[kind]
                inline = b.inline
                if len(inline) > 1 and inline[-1].kind == formatting:
                    inline.pop()  # closes the innermost open node: what toggle() would do
                elif len(inline) == 1:
                    # opens on a line with nothing open: what toggle() and push() would do
                    node = Node(formatting, line, [])
                    inline[0].children.append(node)
                    inline.append(node)
                else:
                    b.toggle(formatting, line)
            elif kind == t_close:
                inline = b.inline
                if len(inline) > 1 and inline[-1].kind in _BRACKETED:
                    node = inline.pop()  # closes the innermost open node: what close_bracket() would do
                    if node.kind == FOLDER_TITLE or node.kind == "labelnote-title":
                        b._finish_title(node)
                else:
                    b.close_bracket(line)
            elif kind == T.OPEN:
                b.open(value, line)
            elif kind == T.DIRECTIVE:
                b.directive(value, line)
            elif kind == T.POTHOLE:
                b.push(Node(POTHOLE, line, [], value, title))
            elif kind == T.BOLD_ITALIC:
                b.toggle_bold_italic(line)
            elif kind in _LINE_KINDS:
                b.end_line(line)
                b.start_line(_LINE_KINDS[kind], line, depth=depth)
            elif kind == T.RULE:
                b.end_line(line)
                b.start_line(RULE, line)
            elif kind == T.EXTERNAL:
                b.push(Node(EXTERNAL, line, [], value))
            elif kind == T.ESCAPED:
                b.add(Node(ESCAPED, line, LEAF, value))
            elif kind == T.COMMENT:
                if not b.inline:
                    b.start_line(COMMENT_LINE, line)
                b.add(Node(COMMENT, line, LEAF, value))
            elif kind == T.URL:
                b.add(Node(URL, line, LEAF, value))
            elif kind == T.HANDLE:
                b.add(Node(HANDLE, line, LEAF, value))
            else:  # pragma: no cover - every token kind is handled above
                raise AssertionError(f"tree: unhandled token kind {kind!r}")
        yield
    b.finish(line)
