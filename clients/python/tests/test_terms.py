import numpy as np
import pytest

from thresher._terms import Term, TermError, parse_list


def value(column, lag):
    data = {"q": np.array([1.0, 2.0, 3.0]), "d": np.array([0.5, 0.25, 2.0])}
    return data[column] + 10 * lag


@pytest.mark.parametrize("text, refs, want", [
    ("q", [("q", 0)], [1, 2, 3]),
    ("L.q", [("q", 1)], [11, 12, 13]),
    ("l2.q", [("q", 2)], [21, 22, 23]),
    ("L.q^2", [("q", 1)], [121, 144, 169]),
    ("(q)^3/100", [("q", 0)], [0.01, 0.08, 0.27]),
    ("q*d", [("q", 0), ("d", 0)], [0.5, 0.5, 6]),
    ("q * q / 2", [("q", 0)], [0.5, 2, 4.5]),
    ("2.5e1*q", [("q", 0)], [25, 50, 75]),
    ("Lq", [("Lq", 0)], None),
    ("D.q", [("q", 0), ("q", 1)], [-10, -10, -10]),
    ("LD.q", [("q", 1), ("q", 2)], [-10, -10, -10]),
    ("F.q", [("q", -1)], [-9, -8, -7]),
    ("D2.q", [("q", 0), ("q", 1), ("q", 2)], [0, 0, 0]),
    ("ln(q)", [("q", 0)], np.log([1, 2, 3])),
    ("sqrt(L.q)*abs(F.d)", [("q", 1), ("d", -1)], np.sqrt([11, 12, 13]) * np.array([9.5, 9.75, 8])),
    ("i.q", [("q", 0)], [1, 2, 3]),
])
def test_terms(text, refs, want):
    term = Term(text)
    assert term.refs() == refs
    if want is not None:
        assert np.allclose(term.evaluate(value), want, rtol=1e-15)


@pytest.mark.parametrize("text", ["", "q^0", "q^17", "(q", "q+d", "L.", "q)", "foo(q)", "ln(q", "i.q*d"])
def test_bad_terms(text):
    with pytest.raises(TermError):
        Term(text)


def test_factor():
    assert Term("i.year").factor == ("year", None) and Term("ib2009.year").factor == ("year", 2009)
    assert Term("id").factor is None and Term("L.q").factor is None


def test_parse_list():
    assert [t.name for t in parse_list("L.q, L.q^2")] == ["L.q", "L.q^2"]
    assert parse_list("") == [] and parse_list([]) == []
