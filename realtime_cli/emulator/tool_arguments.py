"""Function-call arguments the way a model writes them: read from the user's words, shaped
by the tool's JSON Schema.

Values come from what the user said: numbers in digits or words ("2", "twenty five"),
quoted strings, enum values named in the text, capitalised names, codes ("USD", "A12"),
yes/no words. Each goes to the property whose type and name fit, in the order they were
said. Required properties always get a value (found, the schema's default, or the smallest
valid one); optional ones only when the text gives one. `$ref`/`$defs`, `anyOf`/`oneOf`,
`allOf`, ranges, enums, `const`, string lengths and `pattern`s, `minItems`/`maxItems`,
nested objects and arrays are followed, so the result validates against the schema. A
`pattern` takes one of the user's words that matches it (as said, upper- or lower-cased,
or its start), else a string built from the regex (`pattern_sample`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from realtime_cli.emulator.pattern_sample import sample

__all__ = ["arguments_for", "find_numbers", "words_of"]

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_TOKEN = re.compile(r"-?\d+(?:[.,]\d+)*|[A-Za-z]+(?:-[A-Za-z]+)*|\S")
_QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”|'([^']+)'")
_YES = {"yes", "true", "on", "enable", "enabled", "please"}
_NO = {"no", "false", "off", "disable", "disabled", "not", "don't", "without"}
_STOP = {
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "me", "my", "i",
    "you", "is", "it", "what", "please", "can", "could", "would", "this", "that", "be",
}  # fmt: skip
#: Property names whose value is a name or a place (a capitalised word in the text).
_NAME_HINTS = ("name", "city", "location", "place", "country", "person", "user", "title")


def words_of(text: str) -> list[str]:
    """Lower-case words of a text, with simple stems (plural, -ing, -ed) added."""
    words: list[str] = []
    for word in re.findall(r"[a-z]+", text.lower()):
        words.append(word)
        for suffix in ("ing", "ed", "es", "s"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                words.append(word[: -len(suffix)])
                break
    return words


def find_numbers(text: str) -> list[float]:
    """Numbers in the order said, in digits or in words ("two", "twenty five",
    "a hundred and one", "minus 3")."""
    found: list[float] = []
    tokens = [t.lower().strip(",") for t in _TOKEN.findall(text)]
    index = 0
    while index < len(tokens):
        token = tokens[index]
        negative = token in ("minus", "negative") and index + 1 < len(tokens)
        if negative:
            index += 1
            token = tokens[index]
        if re.fullmatch(r"-?\d+(?:[.,]\d+)*", token):
            value = float(token.replace(",", "")) if token.count(",") else float(token)
            found.append(-value if negative else value)
            index += 1
            continue
        value_words, end = _number_words(tokens, index)
        if end > index:
            found.append(-value_words if negative else value_words)
            index = end
            continue
        index += 1
    return found


def _word_kind(word: str) -> str | None:
    if word in _TENS:
        return "tens"
    if word in _UNITS:
        return "unit" if 1 <= _UNITS[word] <= 9 else "teen"
    return "scale" if word in _SCALES else None


#: Which kind of number word may follow which ("twenty five", "a hundred and one"; never
#: "two three", which is two numbers).
_FOLLOWS: dict[str, set[str | None]] = {
    "unit": {None, "tens", "scale", "and"},
    "teen": {None, "scale", "and"},
    "tens": {None, "scale", "and"},
    "scale": {"unit", "teen", "tens", "a"},
}


def _number_words(tokens: list[str], start: int) -> tuple[float, int]:
    total, current, index = 0, 0, start
    last: str | None = "a" if start > 0 and tokens[start - 1] == "a" else None
    seen = False
    while index < len(tokens):
        token = tokens[index]
        if token == "and" and last == "scale" and index + 1 < len(tokens):
            if _word_kind(tokens[index + 1].split("-")[0]) in ("unit", "teen", "tens"):
                last, index = "and", index + 1
                continue
            break
        parts = token.split("-")
        kinds = [_word_kind(part) for part in parts]
        if any(kind is None for kind in kinds):
            break
        ok = True
        for part, kind in zip(parts, kinds, strict=True):
            assert kind is not None
            if last not in _FOLLOWS[kind] or (kind == "scale" and not seen and last != "a"):
                ok = False
                break
            if kind == "scale":
                scale = _SCALES[part]
                current = max(current, 1) * scale
                if scale >= 1000:
                    total, current = total + current, 0
            else:
                current += _UNITS.get(part, 0) + _TENS.get(part, 0)
            last, seen = kind, True
        if not ok:
            break
        index += 1
    if not seen:
        return 0.0, start
    return float(total + current), index


@dataclass
class _Said:
    """What the user's text offers, consumed as properties take values."""

    text: str
    numbers: list[float]
    quoted: list[str]
    names: list[str]
    used: set[str] = field(default_factory=set)

    @classmethod
    def read(cls, text: str) -> _Said:
        quoted = [next(g for g in m.groups() if g) for m in _QUOTED.finditer(text)]
        bare = _QUOTED.sub(" ", text)
        names = [
            m.group(0)
            for m in re.finditer(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*", bare)
        ]
        return cls(text=text, numbers=find_numbers(bare), quoted=quoted, names=names)


def _resolve(schema: Any, root: Mapping[str, Any]) -> dict[str, Any]:
    """Follow `$ref` (to `#/$defs/...` or `#/definitions/...`) and merge `allOf`."""
    if not isinstance(schema, Mapping):
        return {}
    seen = 0
    resolved = dict(schema)
    while isinstance(resolved.get("$ref"), str) and seen < 32:
        seen += 1
        target: Any = root
        for part in resolved.pop("$ref").removeprefix("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, Mapping) else {}
        resolved = {**target, **resolved}
    for part in resolved.pop("allOf", []) or []:
        sub = _resolve(part, root)
        properties = {**sub.get("properties", {}), **resolved.get("properties", {})}
        required = [*sub.get("required", []), *resolved.get("required", [])]
        resolved = {**sub, **resolved}
        if properties:
            resolved["properties"] = properties
        if required:
            resolved["required"] = required
    return resolved


def _types(schema: Mapping[str, Any]) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, list):
        return [k for k in kind if isinstance(k, str)]
    if isinstance(kind, str):
        return [kind]
    if "properties" in schema:
        return ["object"]
    if "enum" in schema:
        return ["enum"]
    return []


def _number(schema: Mapping[str, Any], value: float, integer: bool) -> float | int:
    low = schema.get("minimum")
    high = schema.get("maximum")
    xlow = schema.get("exclusiveMinimum")
    xhigh = schema.get("exclusiveMaximum")
    step = 1 if integer else 1e-6
    if isinstance(low, int | float):
        value = max(value, low)
    if isinstance(xlow, int | float) and value <= xlow:
        value = xlow + step
    if isinstance(high, int | float):
        value = min(value, high)
    if isinstance(xhigh, int | float) and value >= xhigh:
        value = xhigh - step
    multiple = schema.get("multipleOf")
    if isinstance(multiple, int | float) and multiple > 0:
        value = round(value / multiple) * multiple
    return round(value) if integer else value


def _enum_value(options: list[Any], said: _Said) -> Any:
    lowered = said.text.lower()
    for option in options:
        if isinstance(option, str) and option.lower() in lowered:
            return option
        if isinstance(option, str) and option.lower().replace("_", " ") in lowered:
            return option
    for option in options:
        numeric = isinstance(option, int | float) and not isinstance(option, bool)
        if numeric and option in said.numbers:
            return option
    return _MISSING


class _Missing:
    pass


_MISSING: Any = _Missing()


def _fits(schema: Mapping[str, Any], text: str) -> bool:
    """Whether `text` meets the string's length limits and `pattern` (matched unanchored,
    as JSON Schema validators do)."""
    low, high = schema.get("minLength"), schema.get("maxLength")
    if isinstance(low, int) and len(text) < low:
        return False
    if isinstance(high, int) and len(text) > high:
        return False
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        try:
            return re.search(pattern, text) is not None
        except re.error:
            return True  # a regex Python cannot read: nothing to satisfy here
    return True


def _take(pool: list[str], schema: Mapping[str, Any]) -> Any:
    """The first string of `pool` that fits the schema, removed from the pool."""
    for index, candidate in enumerate(pool):
        if _fits(schema, candidate):
            return pool.pop(index)
    return _MISSING


def _tokens(said: _Said) -> list[str]:
    return [w for w in re.findall(r"[\w'-]+", said.text) if w.lower() not in _STOP]


def _string(name: str, schema: Mapping[str, Any], said: _Said) -> Any:
    found = _take(said.quoted, schema)
    if found is _MISSING and any(hint in name.lower() for hint in _NAME_HINTS):
        found = _take(said.names, schema)
    if found is _MISSING and isinstance(schema.get("pattern"), str):
        # A code the user said ("USD", "A12") for a patterned string, once per property.
        for token in _tokens(said):
            distinctive = any(c.isupper() or c.isdigit() for c in token)
            if distinctive and token not in said.used and _fits(schema, token):
                found = token
                break
    if isinstance(found, str):
        said.used.add(found)
    return found


def _patterned(name: str, schema: Mapping[str, Any], said: _Said, plain: str) -> str:
    """A required string with a `pattern` nobody gave a value for: a word of the user's that
    matches it, else a string built from the regex, else `plain` (a regex beyond the
    sampler; the caller can do no better)."""
    if _fits(schema, plain):
        return plain
    words = [w for w in _tokens(said) if w not in said.used] + [name]
    # Whole words first (as said, upper- or lower-cased), then their starts ("EUR" of
    # "euros"); a word serves one property only.
    for whole in (True, False):
        for word in words:
            for form in (word, word.upper(), word.lower()):
                sizes = [len(form)] if whole else range(len(form) - 1, 0, -1)
                for size in sizes:
                    if _fits(schema, form[:size]):
                        said.used.add(word)
                        return form[:size]
    low, high = schema.get("minLength"), schema.get("maxLength")
    built = sample(
        schema["pattern"],
        min_length=low if isinstance(low, int) else 0,
        max_length=high if isinstance(high, int) else None,
    )
    return plain if built is None else built


def _value(name: str, schema: Any, said: _Said, root: Mapping[str, Any]) -> Any:
    """A value for property `name` from what was said, or `_MISSING`."""
    schema = _resolve(schema, root)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return _enum_value(schema["enum"], said)
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list):
            for option in options:
                if "null" in _types(_resolve(option, root)):
                    continue
                found = _value(name, option, said, root)
                if found is not _MISSING:
                    return found
            return _MISSING
    types = _types(schema)
    if "object" in types:
        return _object(schema, said, root, required_only=False)
    if "array" in types:
        item = _resolve(schema.get("items", {}), root)
        values: list[Any] = []
        while True:
            found = _value(name, item, said, root)
            if found is _MISSING or (found in values and not said.numbers):
                break
            values.append(found)
            if isinstance(schema.get("maxItems"), int) and len(values) >= schema["maxItems"]:
                break
        if not values:
            return _MISSING
        # Fewer said than the schema's minimum: the rest as for an unsaid required item.
        least = schema.get("minItems")
        while isinstance(least, int) and len(values) < least:
            values.append(_fallback(name, item, said, root))
        return values
    if "integer" in types or "number" in types:
        if not said.numbers:
            return _MISSING
        return _number(schema, said.numbers.pop(0), "number" not in types)
    if "boolean" in types:
        words = set(words_of(said.text))
        if words & _NO:
            return False
        if words & _YES or any(w in words for w in words_of(name.replace("_", " "))):
            return True
        return _MISSING
    if "string" in types:
        return _string(name, schema, said)
    return _MISSING


def _fallback(name: str, schema: Any, said: _Said, root: Mapping[str, Any]) -> Any:
    """A valid value for a required property the user gave nothing for."""
    schema = _resolve(schema, root)
    if "default" in schema:
        return schema["default"]
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            non_null = [o for o in options if "null" not in _types(_resolve(o, root))]
            return _fallback(name, (non_null or options)[0], said, root)
    types = _types(schema)
    if "object" in types:
        return _object(schema, said, root, required_only=True)
    if "array" in types:
        count = schema.get("minItems", 0)
        item = schema.get("items", {})
        return [_fallback(name, item, said, root) for _ in range(count)]
    if "integer" in types or "number" in types:
        return _number(schema, 0, "number" not in types)
    if "boolean" in types:
        return False
    if "null" in types:
        return None
    if "string" in types:
        # A string nobody quoted: the words the user said, within the length limits.
        text = " ".join(w for w in re.findall(r"[\w']+", said.text) if w.lower() not in _STOP)
        text = text or name
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        if isinstance(high, int):
            text = text[:high]
        text = text.ljust(low if isinstance(low, int) else 0, "x")
        if isinstance(schema.get("pattern"), str) and not _fits(schema, text):
            return _patterned(name, schema, said, text)
        return text
    return None


def _object(
    schema: Mapping[str, Any], said: _Said, root: Mapping[str, Any], *, required_only: bool
) -> dict[str, Any]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    result: dict[str, Any] = {}
    if not isinstance(properties, Mapping):
        return result
    for name, sub in properties.items():
        if required_only and name not in required:
            continue
        found = _value(name, sub, said, root)
        if found is _MISSING:
            if name not in required:
                continue
            found = _fallback(name, sub, said, root)
        result[name] = found
    return result


def arguments_for(schema: Mapping[str, Any] | None, text: str) -> dict[str, Any]:
    """Arguments for a function whose parameters are `schema`, from the user's `text`."""
    if not isinstance(schema, Mapping):
        return {}
    root = _resolve(schema, schema)
    return _object(root, _Said.read(text), schema, required_only=False)
