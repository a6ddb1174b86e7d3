"""The parser's fast paths give what the plain ways give: the token tuples and the tree parse_text
builds from them are the tokens and the tree of ``iter_tokens`` and ``build_tree``; the inline
pattern (written for the regex engine's fast paths) finds the tokens the readable pattern it replaced
finds; and each shortcut in the page model (clean text returned as it is, phrases and "this trope is"
searched only where they can match) answers as the full work would.

Pages: the markup cases, the example pages, the real corpus when present, a small synthetic corpus,
and random text made of markup pieces and single characters.
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import pytest

from tropekg.markup import extract as extract_module
from tropekg.markup import tokens as T
from tropekg.markup.parse import parse_text
from tropekg.markup.tokens import iter_tokens, token_batches
from tropekg.markup.tree import build_tree, build_tree_from_batches
from tropekg.synth import generate
from tropekg.titles import WIKIWORD_PATTERN, Title

ROOT = Path(__file__).resolve().parents[1]

# The inline pattern as it was before it was written for speed: one lookahead, then each token's
# alternative from its first character. The fast pattern must find exactly what this one finds.
_WORD_START = r"(?<![\w/.#])(?<!\w@)"
READABLE_INLINE = re.compile(
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

PIECES = [
    "[[", "]]", "[[spoiler:", "[[folder:", "[[/folder]]", "[[index]]", "[[/index]]", "''", "'''", "'''''",
    "''''", "@@", "[=", "=]", "%%", "{{", "}}", "Film/", "Main.", "Series.", "Word.Next", "WikiWord", "NPCs",
    "http://x.y/z", "https://a.b/c?d=e", "@/Name", "@/{{Some Name}}", "\n", "\\\n", "\\\\\n", "\r\n", "* ", "** ",
    "# ", "!", "!! ", "-> ", "--> ", "----", " ", "\t", "text", "Averted in", "A SubTrope of ", "see also",
    "Compare", "this trope is inverted", "[[labelnote:x]]", "[[/labelnote]]", "[[note]]", "[[/note]]", "|",
    "#anchor", "[[AC:", "[[quoteright:350:", "[[strike:", "[[foldercontrol]]", "[[/Foo]]", "{{Worthy Opponent}}s",
    "{{averted|Trope}}", "Film/{{RED}}", "{{Film/RED#Trivia}}", "[[WikiWord shown]]", "[[Film.Foo bar]]",
    "[[{{Foo Bar}} x]]", "[[http://e.com ext]]", "AaA", "Aaaa", "A2", "aB", "x@Name", "a/B", ".Foo", "#Foo", "é",
    ":", ".", "TheMatrix", "a{{b", "[=''x''=]", "Foo#Bar", "[[Foo#bar x]]", "[[Foo/bar]]", "\u2014", "\xa0",
]
CHARS = list("[]{}'@/.#%=h:|-_ aAbBzZ09\t\\*!>") + ["ttp://", "http://x", "AC", "Ab", "é"]


def _random_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 50))) for _ in range(count)]
    texts += ["".join(rng.choice(CHARS) for _ in range(rng.randint(1, 40))) for _ in range(count)]
    return texts


@pytest.fixture(scope="module")
def texts(tmp_path_factory) -> list[str]:
    """Every kind of page this suite has, and random markup."""
    synth = tmp_path_factory.mktemp("synth")
    generate(synth, 20, 12, seed=3)
    files = [*sorted((ROOT / "tests" / "cases").glob("*.txt")), *sorted((ROOT / "examples").rglob("*.txt")),
             *sorted(synth.rglob("*.txt")), *sorted((ROOT.parent / "shared" / "corpus").rglob("*.txt"))]
    pages = [f.read_text(encoding="utf-8", errors="replace") for f in files]
    assert len(pages) > 40
    return pages + _random_texts(1500, seed=11)


def _tree(node) -> tuple:
    return (node.kind, node.line, node.value, str(node.title) if node.title else None, node.depth, node.column,
            tuple(_tree(child) for child in node.children))


def test_token_tuples_are_the_tokens_iter_tokens_gives(texts):
    for text in texts:
        tuples = [t for batch in token_batches(text) for t in batch]
        fields = [(t.kind, t.line, t.value, t.title, t.label, t.depth) for t in iter_tokens(text)]
        assert tuples == fields, text[:200]


def test_the_tree_from_token_tuples_is_the_tree_from_tokens(texts):
    for text in texts:
        fast_root, fast_warnings = build_tree_from_batches(token_batches(text))
        root, warnings = build_tree(iter_tokens(text))
        assert _tree(fast_root) == _tree(root), text[:200]
        assert [(w.line, w.message) for w in fast_warnings] == [(w.line, w.message) for w in warnings]


def _normalised_group(name: str | None) -> str | None:
    return "free" if name == "free_" else name


@pytest.mark.parametrize("pattern", [T._INLINE, T._INLINE_NO_URL], ids=["inline", "inline-no-url"])
def test_the_fast_inline_pattern_finds_what_the_readable_one_finds(texts, pattern):
    """From every position where the readable pattern finds a token (and the one after it), the
    fast one finds the same token: the same span and kind. The pattern without URLs is asked
    only about lines that hold no "http", which is where the tokenizer uses it."""
    lines = [line for text in texts for line in text.split("\n")]
    for line in lines:
        if pattern is T._INLINE_NO_URL and "http" in line:
            continue
        pos = 0
        while pos <= len(line):
            readable = READABLE_INLINE.search(line, pos)
            fast = pattern.search(line, pos)
            if readable is None:
                assert fast is None, (line, pos)
                break
            assert fast is not None and fast.span() == readable.span(), (line, pos)
            assert _normalised_group(fast.lastgroup) == readable.lastgroup, (line, pos)
            pos = readable.start() + 1


def test_clean_text_returned_as_it_is_is_what_splitting_gives():
    """The shortcut for text already clean: every whitespace character str.split() splits at, but
    the space, is unprintable; so printable text with single spaces is its own clean form."""
    splitters = [chr(c) for c in range(sys.maxunicode + 1) if len(f"a{chr(c)}b".split()) == 2]
    assert [c for c in splitters if c.isprintable()] == [" "]
    rng = random.Random(5)
    alphabet = ["a", "b", " ", "  ", "é", "\u2014", *splitters]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert extract_module._clean(text) == " ".join(text.split()), repr(text)


def test_the_letters_of_trope_have_no_other_case_forms():
    """Why "trope" in text.lower() is a sound test before the case-insensitive "this trope is"
    pattern: each letter of the word matches only its own two cases."""
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    for letter in "trope":
        assert sorted(set(re.findall(letter, everything, re.IGNORECASE))) == sorted({letter, letter.upper()})


def test_the_phrase_search_shortcut_finds_every_relation(texts, monkeypatch):
    """Searching every phrase only from where the first of them matches gives the relations (and
    all the page model) that searching each from the start gives."""
    prose = [
        "A SubTrope of HeroTrope. Compare VillainTrope, see also SideTrope.",
        "Often the opposite of LightTrope. Not to be confused with DarkTrope; contrast GreyTrope.",
        "Sister Tropes: SiblingTrope, CousinTrope. Super-tropes of ThisTrope include BigTrope.",
        "Nothing to say about OtherTrope here. See FinalTrope.",
    ]
    pages = prose + [t for t in texts if "ompare" in t or "ee also" in t or "rope" in t][:200]
    fast = [parse_text(text, Title("Main", "ThisTrope")).to_json() for text in pages]
    monkeypatch.setattr(extract_module, "_ANY_PHRASE", None)
    full = [parse_text(text, Title("Main", "ThisTrope")).to_json() for text in pages]
    assert fast == full
    assert any(page["relations"]["subTropeOf"] for page in fast)


def test_examples_are_made_with_their_fields_in_this_order():
    """The page model makes each Example with positional arguments (a dozen keywords cost a tenth
    of an example); this is the order those calls give them in."""
    from dataclasses import fields

    from tropekg.model import Example

    assert [f.name for f in fields(Example)] == [
        "trope", "work", "mode", "mode_stated", "depth", "parent", "folder", "line", "spoiler", "mentions",
        "text", "column",
    ]


def test_phrase_patterns_with_a_first_letter_lookahead_match_where_the_table_patterns_match(texts):
    """Each relation phrase (and the pattern for any of them) is compiled behind a lookahead for its
    first letter, which lets the regex engine skip prose in C. On every paragraph of every page,
    and on text holding the characters case folding maps onto those letters (the long s, the
    Kelvin sign), each finds the matches the pattern as the table writes it finds."""
    plain = [re.compile(phrase.source, re.IGNORECASE) for phrase in extract_module._PHRASES]
    any_plain = re.compile("|".join(f"(?:{p.pattern})" for p in plain), re.IGNORECASE)
    assert all(phrase.pattern.pattern.startswith("(?=[") for phrase in extract_module._PHRASES)
    assert extract_module._ANY_PHRASE is not None and extract_module._ANY_PHRASE.pattern.startswith("(?=[")
    folded = ["\u017fee al\u017fo X", "\u017fub-trope\u017f of X", "SEE ALSO X", "Contra\u017ft with X",
              "NOT TO BE CONFUSED WITH X", "xsee also", "\u212aompare", "sister\u2014trope", "oppo\u017fite to X"]
    paragraphs = folded + [p for text in texts for p in text.split("\n")]
    for text in paragraphs:
        for phrase, table in zip(extract_module._PHRASES, plain, strict=True):
            assert [m.span() for m in phrase.pattern.finditer(text)] == [m.span() for m in table.finditer(text)]
        fast = extract_module._ANY_PHRASE.search(text)
        slow = any_plain.search(text)
        assert (fast and fast.span()) == (slow and slow.span()), text[:200]


def test_first_letter_is_given_only_for_patterns_whose_matches_all_start_with_it():
    first = extract_module._first_letter
    assert first(r"\bsee\s+also\b") == "s"
    assert first(r"\bsub[\s-]?tropes?\b") == "s"
    assert first(r"\bfoo|bar") is None          # an alternative starts elsewhere
    assert first(r"\bf?oo") is None              # the letter may be absent
    assert first(r"\bf{0,1}oo") is None
    assert first(r"(?:\bfoo)") is None           # not written as word boundary then letter
    assert first(r"\bfo[|)]o(?:a|b)") == "f"     # bars in a class or a group are not alternatives
    assert first(r"foo") is None
    assert extract_module._skipping([r"\bsee\b", r"\bcompare\b"]) == "(?=[cs])"
    assert extract_module._skipping([r"\bsee\b", r"foo"]) is None


def test_the_opening_mode_pretest_never_rules_out_a_match(texts):
    """_may_open_with_mode says False only where the case-insensitive opening-mode pattern does not
    match: checked at the start and after the first link of every line of every page, and on
    texts built from the pattern's own words in odd cases, with punctuation, digits and letters
    that case folding maps onto ASCII ones (the long s, the Kelvin sign, dotless i)."""
    pattern, may = extract_module._OPENING_MODE, extract_module._may_open_with_mode
    assert extract_module._MODE_LEAD_WORDS is not None
    rng = random.Random(7)
    words = [kw for kw, _ in extract_module._KEYWORDS] + [
        "and", "also", "but", "then", "both", "very", "this is", "it's", "its", "is", "Totally", "ly", "fly",
        "oddly", "it", "Egg", "The", "straightly", "averted2", "averted_", "\u017fubverted", "\u212aey", "\u0131s",
        "Played", "PLAYED STRAIGHT", "zig-zagged", "Subverted:", "", "a", "'", "-", "''"]
    seps = [" ", "  ", "\t", ": ", ", ", ". ", "-", "'", "", "2", "\u00e9", "\u2014", "\n", "_"]
    built = ["".join(rng.choice(words) + rng.choice(seps) for _ in range(rng.randint(1, 5))) for _ in range(20000)]
    built = [w.upper() if rng.random() < 0.2 else w for w in built]
    checked = ruled_out = matched = 0
    for text in built + [line for page in texts for line in page.split("\n")]:
        positions = {0, text.find(": ") + 1, text.find("]]") + 2}
        for pos in positions:
            if 0 <= pos <= len(text):
                checked += 1
                if not may(text, pos):
                    ruled_out += 1
                    assert pattern.match(text, pos) is None, (text[:200], pos)
                else:
                    matched += pattern.match(text, pos) is not None
    assert matched > 1000  # the texts do open with modes, in many ways
    assert ruled_out > checked / 2  # the test rules out most texts, or it is no shortcut


def test_pages_are_the_same_with_the_pattern_shortcuts_turned_off(texts, monkeypatch):
    """Both ways on the same pages: with the first-letter lookaheads and the opening-mode test, and
    with the phrase patterns as the table writes them and the opening-mode pattern tried on every
    example. The page models (kind, examples, modes, relations, mentions ...) are the same JSON."""
    titles = [Title("Main", "ThisTrope"), Title("Film", "ThisFilm")]
    fast = [parse_text(text, title).to_json() for text in texts for title in titles]
    plain = tuple(
        extract_module._Phrase(p.relation, re.compile(p.source, re.IGNORECASE), p.opening, p.source)
        for p in extract_module._PHRASES
    )
    monkeypatch.setattr(extract_module, "_PHRASES", plain)
    monkeypatch.setattr(extract_module, "_ANY_PHRASE", re.compile(
        "|".join(f"(?:{p.source})" for p in plain), re.IGNORECASE))
    monkeypatch.setattr(extract_module, "_may_open_with_mode", lambda text, pos: True)
    slow = [parse_text(text, title).to_json() for text in texts for title in titles]
    assert fast == slow
    assert sum(len(page["examples"]) for page in fast) > 1000
    assert any(example["mode"] != "Straight" for page in fast for example in page["examples"])
