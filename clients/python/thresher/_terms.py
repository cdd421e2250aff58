"""Stata-style variable-list terms, as thresher parses them.

The grammar is thresher's (estimators/panel/expr.go)::

    sum      := factor (('*' | '/') factor)*
    factor   := primary ('^' integer)?
    primary  := number | variable | '(' sum ')'
    variable := [('L' | 'l') [digits] '.'] identifier

It serves two purposes: naming the columns a model reads (so that only
those are written to the temporary CSV) and evaluating the regressors of a
fitted model for predict().
"""

import re

import numpy as np

_NUMBER = re.compile(r"([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LAG = re.compile(r"[Ll]([0-9]*)\.")


class TermError(ValueError):
    """A term that thresher's grammar does not accept."""


class _Parser:
    def __init__(self, src):
        self.src = src
        self.pos = 0

    def peek(self):
        return self.src[self.pos] if self.pos < len(self.src) else ""

    def fail(self, what):
        raise TermError(f"term {self.src!r} at position {self.pos + 1}: {what}")

    def sum(self):
        left = self.factor()
        while self.peek() in ("*", "/"):
            op = self.peek()
            self.pos += 1
            left = ("binary", op, left, self.factor())
        return left

    def factor(self):
        base = self.primary()
        if self.peek() != "^":
            return base
        self.pos += 1
        m = re.compile(r"[0-9]+").match(self.src, self.pos)
        if not m or not 1 <= int(m.group()) <= 16:
            self.fail("the exponent after '^' must be an integer from 1 to 16")
        self.pos = m.end()
        return ("power", base, int(m.group()))

    def primary(self):
        c = self.peek()
        if c == "(":
            self.pos += 1
            inner = self.sum()
            if self.peek() != ")":
                self.fail("missing ')'")
            self.pos += 1
            return inner
        m = _NUMBER.match(self.src, self.pos)
        if m:
            self.pos = m.end()
            return ("number", float(m.group()))
        lag = 0
        m = _LAG.match(self.src, self.pos)
        if m:
            lag = int(m.group(1)) if m.group(1) else 1
            self.pos = m.end()
        m = _IDENT.match(self.src, self.pos)
        if not m:
            self.fail("expected a column name" if c else "unexpected end of term")
        self.pos = m.end()
        return ("variable", m.group(), lag)


class Term:
    """One parsed term, such as ``L.q^2`` or ``L.q*L.d``."""

    def __init__(self, text):
        self.name = "".join(text.split())
        if not self.name:
            raise TermError("empty term")
        p = _Parser(self.name)
        self._root = p.sum()
        if p.pos < len(p.src):
            p.fail(f"unexpected {p.src[p.pos:]!r}")

    def refs(self):
        """(column, lag) pairs the term reads, in order, without repetition."""
        out = []

        def walk(n):
            if n[0] == "variable" and (n[1], n[2]) not in out:
                out.append((n[1], n[2]))
            elif n[0] == "binary":
                walk(n[2])
                walk(n[3])
            elif n[0] == "power":
                walk(n[1])

        walk(self._root)
        return out

    def evaluate(self, value):
        """Evaluates the term; value(column, lag) returns a numpy array."""

        def ev(n):
            kind = n[0]
            if kind == "number":
                return n[1]
            if kind == "variable":
                return value(n[1], n[2])
            if kind == "power":
                return ev(n[1]) ** n[2]
            left, right = ev(n[2]), ev(n[3])
            return left / right if n[1] == "/" else left * right

        return np.asarray(ev(self._root), dtype=float)


def parse_list(terms):
    """Parses a list of terms or a comma-separated string of them."""
    if isinstance(terms, str):
        terms = [t for t in terms.split(",")] if terms.strip() else []
    return [Term(t) for t in terms]
