"""Fixtures: the thresher binary (THRESHER_BINARY, else the repository's
bin/thresher from `make build`) and Hansen's (1999) data."""

import json
import os
import pathlib
import subprocess

import pandas as pd
import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
INVEST = REPO / "testdata" / "hansen1999" / "invest.csv"

# Hansen's three-threshold example (the README's), with few replications.
HANSEN = dict(depvar="i", indep=["L.q", "L.q^2", "L.q^3", "L.d", "L.q*L.d"], rx="L.c", qx="L.d",
              thnum=3, grid=400, trim=[0.01, 0.01, 0.05], bs=20, convention="hansen")
HANSEN_FLAGS = ["--depvar", "i", "--indep", "L.q,L.q^2,L.q^3,L.d,L.q*L.d", "--rx", "L.c",
                "--qx", "L.d", "--thnum", "3", "--grid", "400", "--trim", "0.01,0.01,0.05",
                "--bs", "20", "--convention", "hansen"]


@pytest.fixture(scope="session")
def binary():
    path = os.environ.get("THRESHER_BINARY") or str(REPO / "bin" / "thresher")
    if not os.access(path, os.X_OK):
        pytest.fail(f"no thresher binary at {path}: run `make build` or set THRESHER_BINARY")
    return path


@pytest.fixture(scope="session")
def invest():
    return pd.read_csv(INVEST)


def cli_json(binary, flags, args=()):
    """thresher xthreg --format json on Hansen's data, run directly."""
    out = subprocess.run([binary, "xthreg", "--data", str(INVEST), "--format", "json", *flags, *args],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def cli_text(binary, flags, args=()):
    out = subprocess.run([binary, "xthreg", "--data", str(INVEST), *flags, *args],
                         capture_output=True, text=True, check=True)
    return out.stdout
