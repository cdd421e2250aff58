import math
import pathlib

import numpy as np
import pytest

import thresher
from conftest import HANSEN, HANSEN_FLAGS, cli_json, cli_text


@pytest.fixture(scope="module")
def hansen(binary, invest):
    return thresher.xthreg(invest, binary=binary, **HANSEN)


def test_equals_cli_json(binary, hansen):
    want = cli_json(binary, HANSEN_FLAGS)
    assert hansen.json == want
    coefs = want["coefficients"]
    assert list(hansen.params) == [c["estimate"] for c in coefs]
    assert list(hansen.bse) == [c["se"] for c in coefs]
    assert list(hansen.se("robust")) == [c["se_robust"] for c in coefs]
    assert list(hansen.se("cluster")) == [c["se_cluster"] for c in coefs]
    intervals = [iv for st in want["stages"] for iv in st["intervals"]]
    th = hansen.thresholds
    assert list(th.index) == ["Th-1", "Th-21", "Th-22", "Th-3"]
    assert list(th["threshold"]) == [iv["threshold"] for iv in intervals]
    assert list(th["lower"]) == [iv["lower"] for iv in intervals]
    assert list(th["upper"]) == [iv["upper"] for iv in intervals]
    tests = hansen.tests
    for st in want["stages"]:
        row = tests.loc[st["k"]]
        assert row["f_stat"] == st["f_stat"] and row["rss"] == st["rss"] and row["mse"] == st["sigma2"]
        for key in ("p_value", "crit10", "crit5", "crit1", "reps"):
            assert row[key] == st["bootstrap"][key]


def printed(text, value):
    """Whether value rounds to text, a number as the README prints it."""
    return round(value, len(text.split(".")[1])) == float(text)


def test_readme_numbers(hansen):
    """The README's example shows these digits; they do not depend on B."""
    readme = (pathlib.Path(__file__).parents[1] / "README.md").read_text()
    th, tests = hansen.thresholds, hansen.tests
    shown = [
        ("0.0157", th.loc["Th-21", "threshold"]), ("0.01392", th.loc["Th-21", "lower"]),
        ("0.01806", th.loc["Th-21", "upper"]), ("0.53616", th.loc["Th-22", "threshold"]),
        ("0.53049", th.loc["Th-22", "lower"]), ("0.56287", th.loc["Th-22", "upper"]),
        ("32.649894", tests.loc[1, "f_stat"]), ("25.799434", tests.loc[2, "f_stat"]),
        ("4.1814091", tests.loc[3, "f_stat"]), ("0.0619575", hansen.params["L.c (regime 0)"]),
        ("0.0951", hansen.params["L.c (regime 1)"]), ("0.1111", hansen.params["L.c (regime 2)"]), ("0.0441", hansen.params["L.c (regime 3)"]),
    ]
    for text, value in shown:
        assert printed(text, value), (text, value)
        assert text in readme, f"README.md lacks {text}"


def test_conf_int_matches_text_report(binary, invest):
    """Coefficient intervals and standard errors equal the text report's
    printed digits, for each vce."""
    for vce in ("conventional", "robust", "cluster"):
        fit = thresher.xthreg(invest, binary=binary, vce=vce, **dict(HANSEN, bs=0, convention="xthreg"))
        flags = [f if f != "hansen" else "xthreg" for f in HANSEN_FLAGS]
        flags[flags.index("--bs") + 1] = "0"
        text = cli_text(binary, flags, ["--vce", vce])
        ci = fit.conf_int()
        for label in fit.params.index:
            line = next(ln for ln in text.splitlines() if ln.split("|")[0].strip() == label)
            coef, se, t, p, lo, hi = (float(v) for v in line.split("|")[1].split())
            assert f"{fit.params[label]:.7f}" == f"{coef:.7f}"
            assert f"{fit.bse[label]:.7f}" == f"{se:.7f}"
            assert f"{fit.tvalues[label]:.2f}" == f"{t:.2f}"
            assert f"{fit.pvalues[label]:.3f}" == f"{p:.3f}"
            assert f"{ci.loc[label, 'lower']:.7f}" == f"{lo:.7f}", (vce, label)
            assert f"{ci.loc[label, 'upper']:.7f}" == f"{hi:.7f}", (vce, label)


def test_cov(hansen):
    cov = hansen.cov
    assert list(cov.index) == list(hansen.params.index) == list(cov.columns)
    assert np.array_equal(np.sqrt(np.diag(cov.to_numpy())), hansen.bse.to_numpy())
    assert np.isfinite(cov.to_numpy()).all()
    assert np.allclose(cov.to_numpy(), cov.to_numpy().T, rtol=1e-12, atol=0)


@pytest.mark.parametrize("convention", ["xthreg", "hansen"])
def test_predict(binary, invest, convention):
    """Residuals of predict()'s fitted values give the final stage's RSS
    (every row in xthreg's convention; without each unit's last period in
    Hansen's, whose within transform drops it)."""
    fit = thresher.xthreg(invest, binary=binary, **dict(HANSEN, thnum=2, trim=0.01, bs=0, convention=convention))
    pred = fit.predict()
    assert pred.index.equals(invest.index)
    first = invest.groupby("id")["year"].transform("min") == invest["year"]
    assert pred.loc[first, "fitted"].isna().all()  # L.q has no lag in the first period
    used = pred["fitted"].notna()
    # n_obs_used counts the rows of the within regression: Hansen's drops
    # each unit's last period.
    assert used.sum() == fit.nobs + (fit.n_units if convention == "hansen" else 0)
    resid = invest["i"] - pred["fitted"]
    if convention == "hansen":
        used &= invest.groupby("id")["year"].transform("max") != invest["year"]
    assert math.isclose((resid[used] ** 2).sum(), fit.stages[-1]["rss"], rel_tol=1e-10)
    lags = invest.groupby("id")["d"].shift(1)
    g1, g2 = fit.final_thresholds
    below = (lambda q, g: q < g) if convention == "hansen" else (lambda q, g: q <= g)
    want = np.where(below(lags, g1), 0, np.where(below(lags, g2), 1, 2))
    assert (pred.loc[used, "regime"].to_numpy() == want[used.to_numpy()]).all()


def test_predict_two_way(binary, invest):
    """predict() evaluates period effects (i.year), differences and
    functions as thresher does: its residuals give the final RSS."""
    fit = thresher.xthreg(invest, binary=binary, depvar="i", indep=["L.q", "LD.q", "abs(L.d)", "ib1980.year"],
                          rx="L.c", qx="L.d", thnum=1, trim=0.05, bs=0)
    assert "1975.year" in fit.params.index and "1980.year" not in fit.params.index
    pred = fit.predict()
    used = pred["fitted"].notna()
    assert used.sum() == fit.nobs
    resid = invest["i"] - pred["fitted"]
    assert math.isclose((resid[used] ** 2).sum(), fit.stages[-1]["rss"], rel_tol=1e-10)


def test_predict_new_data(binary, invest, hansen):
    """New rows of known units get the estimation's fixed effects; rows of
    unknown units their linear prediction xb and no fixed effect."""
    new = invest[invest["id"].isin([1, 2])].copy()
    new.loc[new["id"] == 2, "id"] = 999
    pred = hansen.predict(new)
    own = hansen.predict().loc[new.index]
    known = new["id"] == 1
    assert pred.loc[known].equals(own.loc[known])
    assert pred.loc[~known, "u"].isna().all()
    assert pred.loc[~known, "xb"].equals(own.loc[~known, "xb"])
    assert pred.loc[~known, "xb"].notna().sum() == known.sum() - 1  # the first period has no lag


@pytest.mark.parametrize("kwargs, code, message", [
    (dict(qx="nope"), 1, 'unknown column "nope"'),
    (dict(trim=0.7), 2, "--trim"),
    (dict(indep="L.q^0"), 2, "exponent"),
])
def test_errors_carry_thresher_message(binary, invest, kwargs, code, message):
    args = dict(depvar="i", indep="L.q", rx="L.c", qx="L.d", bs=0, grid=50)
    args.update(kwargs)
    with pytest.raises(thresher.ThresherError) as err:
        thresher.xthreg(invest, binary=binary, **args)
    assert err.value.returncode == code
    assert message in str(err.value)
    assert "thresher: " not in str(err.value)  # progress lines are not the message


def test_missing_binary(invest, tmp_path):
    with pytest.raises(thresher.ThresherError, match="not found"):
        thresher.xthreg(invest, "i", "L.q", "L.c", "L.d", binary=str(tmp_path / "nothere"))


def test_reports(hansen, tmp_path):
    text = hansen.summary()
    for label in hansen.params.index:
        assert label in text
    latex = hansen.to_latex()
    assert latex.startswith(r"\begin{tabular}") and latex.endswith("\\end{tabular}\n")
    assert r"L.q\^{}2" in latex and "L.c (regime 3)" in latex and "32.65" in latex
    fig = hansen.plot_lr()
    curves = sum(len(st["lr_curves"]) for st in hansen.stages)
    assert len(fig.axes[0].lines) == curves + 1
    assert fig.axes[0].lines[-1].get_ydata()[0] == pytest.approx(7.35228, abs=1e-5)
    fig.savefig(tmp_path / "lr.png")
    assert (tmp_path / "lr.png").stat().st_size > 10000


def test_save_draws(binary, invest):
    fit = thresher.xthreg(invest, binary=binary, depvar="i", indep="L.q", rx="L.c", qx="L.d",
                          grid=50, bs=5, save_draws=True)
    assert len(fit.stages[0]["bootstrap"]["draws"]) == 5


def test_environment_cannot_change_the_model(binary, invest, monkeypatch):
    args = dict(depvar="i", indep="L.q", rx="L.c", qx="L.d", grid=50, bs=5)
    want = thresher.xthreg(invest, binary=binary, **args).json
    for name, value in [("THRESHER_XTHREG_SEED", "7"), ("THRESHER_XTHREG_GRID", "20"), ("THRESHER_LEVEL", "90"),
                        ("THRESHER_CONVENTION", "hansen"), ("THRESHER_XTHREG_TRIM", "0.2")]:
        monkeypatch.setenv(name, value)
    assert thresher.xthreg(invest, binary=binary, **args).json == want


def test_robust_inference(binary, invest):
    """vce and bootstrap_refine reach the model as --vce and
    --bootstrap-refine do, and an environment variable cannot change them."""
    args = dict(HANSEN, bs=[0, 0, 3], vce="cluster", bootstrap_refine=True)
    fit = thresher.xthreg(invest, binary=binary, **args)
    flags = HANSEN_FLAGS[:HANSEN_FLAGS.index("--bs")] + ["--bs", "0,0,3"] + HANSEN_FLAGS[HANSEN_FLAGS.index("--bs") + 2:]
    assert fit.json == cli_json(binary, flags, ["--vce", "cluster", "--bootstrap-refine"])
    assert fit.json["model"]["vce"] == "cluster" and fit.json["model"]["bootstrap_refine"]
    assert "heteroskedasticity" not in fit.json


def test_environment_cannot_make_inference_robust(binary, invest, monkeypatch):
    args = dict(depvar="i", indep="L.q", rx="L.c", qx="L.d", grid=50, bs=5)
    want = thresher.xthreg(invest, binary=binary, **args).json
    monkeypatch.setenv("THRESHER_VCE", "cluster")
    monkeypatch.setenv("THRESHER_BOOTSTRAP_REFINE", "true")
    assert thresher.xthreg(invest, binary=binary, **args).json == want


@pytest.mark.parametrize("name", ["trim", "bs"])
def test_empty_list_refused_for_a_cluster(name):
    """An empty trim or bs for a cluster is refused, as the binary refuses
    --trim= and --bs=, instead of becoming the default on the coordinator."""
    from thresher import _spec

    args = dict(id="id", time="year", depvar="i", indep=(), rx="L.c", qx="L.d", thnum=1, grid="400", trim=0.01,
                bs=50, level=95, seed=1, convention="xthreg", residuals="null", thresholds=None, algorithm="fast",
                bootstrap="auto", save_draws=False)
    args[name] = []
    with pytest.raises(ValueError, match=f"{name}: an empty list: give at least one value"):
        _spec.config(**args)
