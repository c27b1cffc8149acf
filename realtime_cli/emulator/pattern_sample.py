"""A string that matches a JSON Schema `pattern`, built from the regex itself.

Covers the regexes tool schemas commonly use: literals and escapes, `.`, classes (`[A-Z]`,
`[^,]`, `\\d`, `\\w`, `\\s` and their negations), groups with `|`, and the quantifiers
`? * + {n} {n,} {n,m}` (lazy or not). Anything else (look-arounds, back-references, flags)
is not attempted: `sample` returns None and the caller keeps a value of its own. Every
result is checked with `re.search`, as JSON Schema validators match patterns unanchored.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["sample"]

#: Characters a class is sampled from, in order of preference (readable ones first).
_ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + " _-.@:/+,;!?#$%&*=~"
_CLASSES: dict[str, Callable[[str], bool]] = {
    "d": str.isdigit,
    "w": lambda c: c.isalnum() or c == "_",
    "s": str.isspace,
}
#: Escapes that stand for one control character.
_CONTROLS = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v"}


class Unsupported(Exception):
    """The regex uses a construct this sampler does not build."""


@dataclass(frozen=True)
class _Chars:
    accepts: Callable[[str], bool]


@dataclass(frozen=True)
class _Repeat:
    node: _Node
    low: int
    high: int | None


@dataclass(frozen=True)
class _Alternatives:
    options: list[list[_Node]]


_Node = str | _Chars | _Repeat | _Alternatives


def _between(low: str, high: str) -> Callable[[str], bool]:
    return lambda c: low <= c <= high


class _Parser:
    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.at = 0

    def peek(self) -> str | None:
        return self.text[self.at] if self.at < len(self.text) else None

    def take(self) -> str:
        if self.at >= len(self.text):
            raise Unsupported("unexpected end")
        char = self.text[self.at]
        self.at += 1
        return char

    def alternatives(self) -> _Alternatives:
        options = [self.sequence()]
        while self.peek() == "|":
            self.take()
            options.append(self.sequence())
        return _Alternatives(options)

    def sequence(self) -> list[_Node]:
        nodes: list[_Node] = []
        while (char := self.peek()) is not None and char not in "|)":
            atom = self.atom()
            if atom is not None:
                nodes.append(self.quantified(atom))
        return nodes

    def atom(self) -> _Node | None:
        char = self.take()
        if char in "^$":
            return None  # anchors: a generated string is matched whole anyway
        if char == ".":
            return _Chars(lambda c: c != "\n")
        if char == "[":
            return self.char_class()
        if char == "(":
            if self.peek() == "?":
                self.take()
                if self.take() != ":":
                    raise Unsupported("look-around or named group")
            group = self.alternatives()
            if self.take() != ")":
                raise Unsupported("unbalanced group")
            return group
        if char == "\\":
            return self.escape()
        if char in "*+?":
            raise Unsupported(f"quantifier without an atom: {char}")
        return char

    def escape(self) -> _Node:
        char = self.take()
        if char.lower() in _CLASSES:
            test = _CLASSES[char.lower()]
            return _Chars(test) if char.islower() else _Chars(lambda c: not test(c))
        if char in _CONTROLS:
            return _CONTROLS[char]
        if char.isalnum():  # \b, \1, \p{...} and the like
            raise Unsupported(f"escape \\{char}")
        return char

    def char_class(self) -> _Chars:
        negated = self.peek() == "^"
        if negated:
            self.take()
        tests: list[Callable[[str], bool]] = []
        first = True
        while True:
            char = self.take()
            if char == "]" and not first:
                break
            first = False
            item = self.escape() if char == "\\" else char
            if isinstance(item, _Chars):
                tests.append(item.accepts)
                continue
            assert isinstance(item, str)
            if self.peek() == "-" and self.text[self.at + 1 : self.at + 2] not in ("]", ""):
                self.take()
                end = self.take()
                if end == "\\":
                    end_item = self.escape()
                    if not isinstance(end_item, str):
                        raise Unsupported("range to a class")
                    end = end_item
                tests.append(_between(item, end))
            else:
                tests.append(_between(item, item))

        def accepts(c: str) -> bool:
            return any(test(c) for test in tests) != negated

        return _Chars(accepts)

    def quantified(self, atom: _Node) -> _Node:
        char = self.peek()
        if char is None or char not in "*+?{":
            return atom
        if char == "{":
            match = re.match(r"\{(\d+)(,(\d*))?\}", self.text[self.at :])
            if match is None:
                return atom  # a literal "{"
            self.at += match.end()
            low = int(match.group(1))
            high = low if match.group(2) is None else int(match.group(3) or -1)
            node = _Repeat(atom, low, None if high == -1 else high)
        else:
            self.take()
            low, high_of = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
            node = _Repeat(atom, low, high_of)
        if self.peek() in ("?", "+"):  # lazy or possessive: the same strings match
            self.take()
        return node


class _Writer:
    """Writes one string for a parsed regex; `extra` repetitions beyond each minimum."""

    def __init__(self, extra: int) -> None:
        self.extra = extra
        self.count = 0

    def char(self, chars: _Chars) -> str:
        choices = [c for c in _ALPHABET if chars.accepts(c)]
        if not choices:
            raise Unsupported("no readable character in the class")
        self.count += 1
        return choices[(self.count - 1) % len(choices)]

    def write(self, node: _Node) -> str:
        if isinstance(node, str):
            return node
        if isinstance(node, _Chars):
            return self.char(node)
        if isinstance(node, _Alternatives):
            return "".join(self.write(part) for part in node.options[0])
        times = node.low + self.extra
        if node.high is not None:
            times = min(times, node.high)
        return "".join(self.write(node.node) for _ in range(times))


def sample(pattern: str, *, min_length: int = 0, max_length: int | None = None) -> str | None:
    """A string `re.search(pattern, ...)` accepts, within the length limits, or None when the
    pattern is beyond this sampler or the limits cannot be met."""
    try:
        parser = _Parser(pattern)
        tree = parser.alternatives()
        if parser.at != len(pattern):
            return None  # an unbalanced ")"
        compiled = re.compile(pattern)
    except (Unsupported, re.error):
        return None
    for extra in range(max(min_length, 1) + 1):
        try:
            text = _Writer(extra).write(tree)
        except Unsupported:
            return None
        too_long = max_length is not None and len(text) > max_length
        if too_long:
            return None  # more repetitions only make it longer
        if len(text) >= min_length and compiled.search(text):
            return text
    return None
