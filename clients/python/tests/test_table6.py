"""The applied paper's Table 6 on `thresher simulate provinces --seed 1`:
thresher.xthreg on the data `thresher paper --write-panel` writes gives the
paper's threshold results and Table 6's numbers exactly."""

import json
import subprocess

import pandas as pd
import pytest

import thresher

# The paper's specification with few replications, for speed.
SPEC = "mediation: {reps: 20, seed: 3}\nthreshold: {bs: 20}\n"
CONTROLS = ["lnpgdp", "lnopen", "lnes", "lncap"]


@pytest.fixture(scope="module")
def paper(binary, tmp_path_factory):
    d = tmp_path_factory.mktemp("paper")
    subprocess.run([binary, "simulate", "provinces", "--seed", "1", "--out", str(d)],
                   capture_output=True, check=True)
    (d / "spec.yaml").write_text(SPEC)
    subprocess.run([binary, "paper", "--data", str(d / "provinces.csv"), "--spec", str(d / "spec.yaml"),
                    "--out", str(d / "out"), "--write-panel", str(d / "panel.csv")],
                   capture_output=True, check=True)
    return d


def test_table6_equals_cli(binary, paper):
    # round_trip: pandas' default float parser may change the last digit.
    panel = pd.read_csv(paper / "panel.csv", float_precision="round_trip")
    table6 = json.loads((paper / "out" / "table6.json").read_text())
    assert [m["qx"] for m in table6["models"]] == ["lndig", "lnind", "lntec"]
    for model in table6["models"]:
        q = model["qx"]
        fit = thresher.xthreg(panel, depvar="lncie", indep=CONTROLS + ["i.year"], rx="lndig", qx=q,
                              id="province", time="year", thnum=3, grid=300, trim=0.01, bs=20, seed=1,
                              save_draws=True, binary=binary)
        assert fit.json == json.loads((paper / "out" / f"threshold_{q}.json").read_text()), q
        for t in model["tests"]:
            row = fit.tests.loc[t["k"]]
            assert row["f_stat"] == t["f_stat"] and row["p_value"] == t["p_value"], (q, t["k"])
        # Table 6's thresholds are those of the chosen stage, each with its
        # interval from the result's (.thresholds: Th-1, Th-21, Th-22, Th-3).
        chosen = fit.json["stages"][model["thresholds_chosen"] - 1]["thresholds"]
        assert [t["threshold"] for t in model["thresholds"]] == chosen, q
        rows = [dict(r) for _, r in fit.thresholds[["threshold", "lower", "upper"]].iterrows()]
        for t in model["thresholds"]:
            assert {k: t[k] for k in ("threshold", "lower", "upper")} in rows, (q, t)
