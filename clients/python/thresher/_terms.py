"""Stata-style variable-list terms, as thresher parses them.

The grammar is thresher's (estimators/panel/expr.go)::

    sum      := factor (('*' | '/') factor)*
    factor   := primary ('^' integer)?
    primary  := number | variable | function '(' sum ')' | '(' sum ')'
    function := 'ln' | 'log' | 'exp' | 'sqrt' | 'abs'
    variable := (operators '.')* identifier
    operators:= (('L' | 'F' | 'D') [digits])+, in either case

D.x is x - L.x, recursively; F.x is a lead (lag -1). A whole term
i.x or ib#.x is a factor variable: thresher names its dummies "<level>.x".

It serves two purposes: naming the columns a model reads (so that only
those are written to the temporary CSV) and evaluating the regressors of a
fitted model for predict().
"""

import re

import numpy as np

_NUMBER = re.compile(r"([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = re.compile(r"(?:[LlFfDd][0-9]*)+\.")
_OPERATOR = re.compile(r"([LlFfDd])([0-9]*)")
_FACTOR = re.compile(r"i(?:b(-?[0-9]+))?\.([A-Za-z_][A-Za-z0-9_]*)")
_FUNCTIONS = {"ln": np.log, "log": np.log, "exp": np.exp, "sqrt": np.sqrt, "abs": np.abs}


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
        lag = diff = 0
        start = self.pos
        m = _OPERATORS.match(self.src, self.pos)
        while m:
            for op, digits in _OPERATOR.findall(m.group()):
                k = int(digits) if digits else 1
                if op in "Ll":
                    lag += k
                elif op in "Ff":
                    lag -= k
                else:
                    diff += k
            self.pos = m.end()
            m = _OPERATORS.match(self.src, self.pos)
        m = _IDENT.match(self.src, self.pos)
        if not m:
            self.fail("expected a column name" if c else "unexpected end of term")
        self.pos = m.end()
        if self.peek() == "(" and start == m.start():
            if m.group() not in _FUNCTIONS:
                self.fail(f"unknown function {m.group()!r}")
            self.pos += 1
            arg = self.sum()
            if self.peek() != ")":
                self.fail("missing ')'")
            self.pos += 1
            return ("call", m.group(), arg)
        return _differenced(m.group(), lag, diff)


def _differenced(column, lag, diff):
    """D^diff of the column lagged lag periods: D.x = x - L.x."""
    if diff == 0:
        return ("variable", column, lag)
    return ("binary", "-", _differenced(column, lag, diff - 1), _differenced(column, lag + 1, diff - 1))


class Term:
    """One parsed term, such as ``L.q^2`` or ``L.q*L.d``."""

    def __init__(self, text):
        self.name = "".join(text.split())
        if not self.name:
            raise TermError("empty term")
        #: (column, base level or None) of a factor variable, else None.
        self.factor = None
        m = _FACTOR.fullmatch(self.name)
        if m:
            self.factor = (m.group(2), int(m.group(1)) if m.group(1) else None)
            self._root = ("variable", m.group(2), 0)
            return
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
            elif n[0] == "call":
                walk(n[2])

        walk(self._root)
        return out

    def evaluate(self, value):
        """Evaluates the term (a factor variable's level); value(column, lag)
        returns a numpy array."""

        def ev(n):
            kind = n[0]
            if kind == "number":
                return n[1]
            if kind == "variable":
                return value(n[1], n[2])
            if kind == "power":
                return ev(n[1]) ** n[2]
            if kind == "call":
                return _FUNCTIONS[n[1]](ev(n[2]))
            left, right = ev(n[2]), ev(n[3])
            if n[1] == "-":
                return left - right
            return left / right if n[1] == "/" else left * right

        return np.asarray(ev(self._root), dtype=float)


def parse_list(terms):
    """Parses a list of terms or a comma-separated string of them."""
    if isinstance(terms, str):
        terms = [t for t in terms.split(",")] if terms.strip() else []
    return [Term(t) for t in terms]
