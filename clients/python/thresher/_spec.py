"""The job specification of a threshold model, as the command line sends it.

A cluster job carries each model as its kind's canonical JSON: for the
threshold kind, Go's ``threshold.Config`` encoded by ``encoding/json``
(estimators/threshold/config.go). ``config`` builds that document from
``xthreg``'s arguments as ``thresher xthreg``'s flags parse them, and
``encode`` writes it byte for byte as Go does, so that a job submitted from
Python is the job the command line submits for the same options.
"""

import json
import math
import numbers
import re
from decimal import Decimal

KIND = "threshold"
CONFIG_VERSION = 1


def go_float(x):
    """x as Go's encoding/json writes a float64: the shortest digits that
    round-trip, in plain notation unless |x| < 1e-6 or |x| >= 1e21."""
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{x} cannot be encoded in JSON")
    if x == 0:
        return "-0" if math.copysign(1.0, x) < 0 else "0"
    short = repr(x)
    if abs(x) < 1e-6 or abs(x) >= 1e21:
        # Python's repr uses exponent notation here too; Go drops the
        # exponent's leading zero (1e-07 -> 1e-7).
        return re.sub(r"e-0(\d)$", r"e-\1", short)
    return format(Decimal(short).normalize(), "f")


def go_string(s):
    """s as Go's encoding/json writes it with SetEscapeHTML(false)."""
    return json.dumps(s, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _value(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return go_string(v)
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, float):
        return go_float(v)
    if isinstance(v, list):
        return "[" + ",".join(_value(e) for e in v) + "]"
    raise TypeError(f"cannot encode {v!r}")


def encode(cfg):
    """The canonical JSON bytes of a configuration from ``config``."""
    return ("{" + ",".join(f"{go_string(k)}:{_value(v)}" for k, v in cfg.items()) + "}").encode("utf-8")


def _split(value):
    """A list option's items, as the command line splits its text."""
    if isinstance(value, str):
        return [p for p in re.split(r"[, ]", value) if p]
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _terms(terms):
    """A term list as the command line's --indep/--rx keep it: items
    trimmed, empty ones dropped, none at all encoded as null."""
    if isinstance(terms, str):
        terms = terms.split(",")
    out = [str(t).strip() for t in terms if str(t).strip()]
    return out or None


def _floats(value, name):
    out = []
    for v in _split(value):
        if isinstance(v, bool):
            raise ValueError(f"{name}: {v!r} is not a number")
        try:
            out.append(float(v))
        except (TypeError, ValueError) as err:
            raise ValueError(f"{name}: {v!r} is not a number") from err
    return out or None


def _ints(value, name):
    out = []
    for v in _split(value):
        if isinstance(v, str) and re.fullmatch(r"\s*[+-]?\d+\s*", v):
            v = int(v)
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise ValueError(f"{name}: {v!r} is not an integer")
        out.append(int(v))
    return out or None


def _int(v, name):
    return _ints([v], name)[0]


def _grid(grid):
    if isinstance(grid, numbers.Integral) and not isinstance(grid, bool):
        return str(int(grid))
    return str(grid)


def config(*, id, time, depvar, indep, rx, qx, thnum, grid, trim, bs, level, seed, convention,
           residuals, thresholds, algorithm, bootstrap, save_draws, vce="conventional", bootstrap_refine=False):
    """threshold.Config's fields, in its order, from xthreg's arguments.
    An empty trim or bs is refused as the binary refuses --trim= (None
    leaves them to the defaults); the coordinator checks the rest, the
    level included, as the command line does."""
    for name, value in (("trim", trim), ("bs", bs)):
        if value is not None and not _split(value):
            raise ValueError(f"{name}: an empty list: give at least one value, or leave it out for its default")
    level = _floats([level], "level")[0]
    return {
        "version": CONFIG_VERSION,
        "id": str(id),
        "time": str(time),
        "depvar": str(depvar),
        "indep": _terms(indep),
        "rx": _terms(rx),
        "qx": str(qx),
        "thnum": _int(thnum, "thnum"),
        "grid": _grid(grid),
        "trim": _floats(trim, "trim"),
        "bs": _ints(bs, "bs"),
        "level": level,
        "seed": _int(seed, "seed"),
        "convention": str(convention),
        "residuals": str(residuals),
        "thresholds": None if thresholds is None else _floats(thresholds, "thresholds"),
        "algorithm": str(algorithm),
        "bootstrap": str(bootstrap),
        "save_draws": bool(save_draws),
        "vce": str(vce),
        "bootstrap_refine": bool(bootstrap_refine),
    }
