"""Checking Lucene query-string syntax without a server: quotes, brackets, operators, field names.

It is not a full parser: it catches what makes Elasticsearch reject a query (unbalanced quotes
and brackets, a dangling AND/OR) and what makes a rule silently match nothing (an unknown field,
a nested field outside ``nested``). ``indices.validate_query`` gives the final word when a
server is reachable (``check_rules(…, client=…)``).
"""

from __future__ import annotations

from dataclasses import dataclass

from indexer.alerts.fields import FieldInfo

_SPECIAL = set('()"[]{}')
_BINARY = {"AND", "OR", "&&", "||"}
_NOT = {"NOT", "!"}


@dataclass(frozen=True)
class Token:
    """One lexical unit: kind is term, phrase, regex, range, field, open, close, binary or not."""

    kind: str
    text: str
    at: int


def _read_until(text: str, start: int, end_chars: str) -> int:
    """Index of the first unescaped char of ``end_chars`` at or after ``start``, or -1."""
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char in end_chars:
            return index
        index += 1
    return -1


def _delimited(text: str, index: int) -> tuple[Token | None, int, str | None]:
    """A quoted phrase, a /regex/ or a [range] starting at ``index``."""
    char = text[index]
    if char in '"/':
        close = _read_until(text, index + 1, char)
        if close < 0:
            what = "quote" if char == '"' else "regular expression /…/"
            return None, len(text), f"unterminated {what} starting at column {index + 1}"
        return Token("phrase" if char == '"' else "regex", text[index:close + 1], index), close + 1, None
    close = _read_until(text, index + 1, "]}")
    if close < 0:
        return None, len(text), f"unterminated range starting at column {index + 1}"
    inner = text[index + 1:close]
    if " TO " not in f" {inner} ":
        return None, close + 1, f"range {text[index:close + 1]!r} needs 'TO' (e.g. [1 TO 5])"
    return Token("range", text[index:close + 1], index), close + 1, None


def _word(text: str, index: int) -> tuple[list[Token], int]:
    """A bare term, possibly ``field:value`` or ``field:`` before a phrase, group or range."""
    start = index
    while index < len(text) and not text[index].isspace() and text[index] not in _SPECIAL:
        if text[index] == ":" and text[index + 1:index + 2] in ('"', "/", "(", "[", "{"):
            index += 1  # field:"phrase", field:/regex/, field:(group), field:[range]
            break
        index += 2 if text[index] == "\\" else 1
    word = text[start:index]
    colon = _read_until(word, 0, ":")
    if colon <= 0:
        kind = "binary" if word in _BINARY else "not" if word in _NOT else "term"
        return [Token(kind, word, start)], index
    tokens = [Token("field", word[:colon], start)]
    rest = word[colon + 1:]
    if rest:
        tokens.append(Token("term", rest, start + colon + 1))
    return tokens, index


def tokenize(text: str) -> tuple[list[Token], list[str]]:
    """The tokens of a query string and the lexical problems found."""
    tokens: list[Token] = []
    problems: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace() or (char in "+-" and index + 1 < len(text) and not text[index + 1].isspace()):
            index += 1
        elif char in "()":
            tokens.append(Token("open" if char == "(" else "close", char, index))
            index += 1
        elif char in '"/[{':
            token, index, problem = _delimited(text, index)
            if problem:
                problems.append(problem)
            if token:
                tokens.append(token)
        elif char in "]}":
            problems.append(f"unexpected {char!r} at column {index + 1}")
            index += 1
        else:
            found, index = _word(text, index)
            tokens.extend(found)
    return tokens, problems


def _field_problem(name: str, fields: FieldInfo) -> str | None:
    if name == "_exists_" or "*" in name or not fields.known:
        return None
    if not fields.has(name):
        return (f"unknown field {name!r} in the posts mapping (quote values that contain ':', "
                f"e.g. \"https://t.me/x\"; match contacts with filters.contacts)")
    nested = fields.nested_path(name)
    if nested:
        return f"field {name!r} is inside nested {nested!r}: a query string cannot reach it; use filters"
    return None


def _grammar(tokens: list[Token], fields: FieldInfo) -> list[str]:
    problems: list[str] = []
    depth = 0
    expect_operand = True  # at the start, after an operator, a field or an open bracket
    for position, token in enumerate(tokens):
        column = token.at + 1
        if token.kind == "binary":
            if expect_operand:
                problems.append(f"{token.text} at column {column} has nothing on its left")
            expect_operand = True
        elif token.kind in ("not", "open"):
            depth += token.kind == "open"
            expect_operand = True
        elif token.kind == "field":
            problem = _field_problem(token.text, fields)
            if problem:
                problems.append(problem)
            following = tokens[position + 1] if position + 1 < len(tokens) else None
            if following is None or following.kind not in ("term", "phrase", "regex", "range", "open"):
                problems.append(f"field {token.text!r} at column {column} has no value")
            expect_operand = True
        elif token.kind == "close":
            depth -= 1
            if depth < 0:
                problems.append(f"unmatched ')' at column {column}")
                depth = 0
            if expect_operand and position and tokens[position - 1].kind != "open":
                problems.append(f"an operator before ')' at column {column} has nothing on its right")
            expect_operand = False
        else:
            expect_operand = False
    if depth > 0:
        problems.append(f"{depth} unclosed '('")
    if tokens and expect_operand and tokens[-1].kind in ("binary", "not"):
        problems.append(f"{tokens[-1].text} at the end has nothing on its right")
    return problems


def check_query_string(text: str, fields: FieldInfo) -> list[str]:
    """Problems in a Lucene query string (empty list when it looks valid)."""
    tokens, problems = tokenize(text)
    if not tokens and not problems:
        return ["the query string is empty"]
    return problems + _grammar(tokens, fields)
