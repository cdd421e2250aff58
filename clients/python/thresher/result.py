"""The result of thresher xthreg, read from its JSON document."""

import math

import numpy as np
import pandas as pd

from ._stats import t_ppf, t_sf
from ._terms import parse_list

CONSTANT = "_cons"
VCE_COLUMNS = {"conventional": "se", "robust": "se_robust", "cluster": "se_cluster"}
VCE_COVARIANCES = {"conventional": "classical", "robust": "robust", "cluster": "cluster"}
_STAGE_NAMES = ["Single", "Double", "Triple", "Quadruple", "Quintuple"]


def stage_name(k):
    """thresher's name of stage k: Single, Double, Triple, ..."""
    return _STAGE_NAMES[k - 1] if 1 <= k <= len(_STAGE_NAMES) else f"{k}-fold"


def coefficient_label(name, regime):
    """A coefficient's label, as in thresher's text report: "L.c (regime 0)"."""
    return name if regime is None else f"{name} (regime {regime})"


def lr_critical(level):
    """Hansen's (1999) critical value of the LR statistic at level (0..1)."""
    return -2.0 * math.log(1.0 - math.sqrt(level))


class XthregResult:
    """A fitted panel threshold model.

    Every number comes from thresher's JSON document (``.json``), unrounded;
    ``conf_int``, ``tvalues`` and ``pvalues`` use Student's t with
    ``df_resid`` degrees of freedom as thresher's text report does, and
    ``predict`` evaluates the final model on the rows of the data.
    """

    def __init__(self, doc, data, id="id", time="year", vce="conventional"):
        if vce not in VCE_COLUMNS:
            raise ValueError(f"vce {vce!r}: want one of {', '.join(VCE_COLUMNS)}")
        self.json = doc
        self.vce = vce
        self.data = data
        self.id = id
        self.time = time
        self.model = doc["model"]
        self.convention = doc["convention"]
        self.nobs = doc["n_obs_used"]
        self.n_units = doc["n_units"]
        self.n_periods = doc["n_periods"]
        self.stages = doc["stages"]
        final = self.stages[-1]
        self.final_thresholds = list(final["thresholds"])
        self.regimes = list(final["regimes"])
        rows = []
        for c in doc["coefficients"]:
            rows.append({"term": c["name"], "regime": c["regime"], "estimate": c["estimate"],
                         "se": c["se"], "se_robust": c["se_robust"], "se_cluster": c["se_cluster"]})
        self.coefficients = pd.DataFrame(
            rows, index=[coefficient_label(c["name"], c["regime"]) for c in doc["coefficients"]])
        slopes = sum(1 for c in doc["coefficients"] if c["name"] != CONSTANT)
        self.df_resid = self.nobs - self.n_units - slopes

    # --- coefficients ---------------------------------------------------

    @property
    def params(self):
        """Coefficients of the final model (pandas Series)."""
        return self.coefficients["estimate"].rename("params")

    def se(self, vce=None):
        """Standard errors: conventional, robust or cluster (default: vce)."""
        vce = vce or self.vce
        if vce not in VCE_COLUMNS:
            raise ValueError(f"vce {vce!r}: want one of {', '.join(VCE_COLUMNS)}")
        return self.coefficients[VCE_COLUMNS[vce]].rename("bse")

    @property
    def bse(self):
        """Standard errors of the chosen vce (pandas Series)."""
        return self.se()

    @property
    def cov(self):
        """Covariance matrix of the coefficients for the chosen vce (pandas
        DataFrame), as thresher's JSON reports it: the square roots of its
        diagonal are the standard errors."""
        rows = self.json["covariance"][VCE_COVARIANCES[self.vce]]
        return pd.DataFrame(np.array(rows, dtype=float), index=self.params.index, columns=self.params.index)

    @property
    def tvalues(self):
        return (self.params / self.bse).rename("t")

    @property
    def pvalues(self):
        return self.tvalues.map(lambda t: 2.0 * t_sf(abs(t), self.df_resid)).rename("P>|t|")

    def conf_int(self, alpha=0.05):
        """Confidence intervals of the coefficients (Student's t, df_resid),
        as thresher's text report prints them for alpha = 0.05."""
        q = t_ppf(1.0 - alpha / 2.0, self.df_resid)
        est, se = self.params, self.bse
        return pd.DataFrame({"lower": est - q * se, "upper": est + q * se})

    # --- thresholds and tests --------------------------------------------

    @property
    def thresholds(self):
        """Each estimated threshold with its LR confidence interval, labelled
        as thresher's text report labels them (Th-1, Th-21, Th-22, Th-3, ...)."""
        rows, index = [], []
        for st in self.stages:
            for i, iv in enumerate(st["intervals"]):
                index.append(f"Th-{st['k']}{i + 1}" if len(st["intervals"]) > 1 else f"Th-{st['k']}")
                rows.append({"stage": st["k"], "threshold": iv["threshold"],
                             "lower": iv["lower"], "upper": iv["upper"]})
        return pd.DataFrame(rows, index=index, columns=["stage", "threshold", "lower", "upper"])

    @property
    def tests(self):
        """The bootstrap test of each stage (k-1 against k thresholds)."""
        rows = []
        for st in self.stages:
            b = st["bootstrap"] or {}
            rows.append({"k": st["k"], "name": stage_name(st["k"]), "rss": st["rss"], "mse": st["sigma2"],
                         "f_stat": st["f_stat"], "p_value": b.get("p_value", np.nan),
                         "crit10": b.get("crit10", np.nan), "crit5": b.get("crit5", np.nan),
                         "crit1": b.get("crit1", np.nan), "reps": b.get("reps", 0)})
        return pd.DataFrame(rows).set_index("k")

    # --- prediction ---------------------------------------------------------

    def predict(self, data=None):
        """Regime and fitted values of the final model for each row of data
        (default: the estimation data), indexed like data.

        Columns: ``regime`` (0..K by the final thresholds, as thresher assigns
        them), ``xb`` (the linear prediction, with ``_cons`` in the xthreg
        convention), ``u`` (the unit's fixed effect: the mean of y - xb over
        the unit's rows used in estimation) and ``fitted`` = xb + u. Rows
        thresher does not use (a missing lag, a unit with one observation)
        get NaN; so do units of new data absent from the estimation data.
        """
        own = self._evaluate(self.data)
        used = own["xb"].notna() & own["y"].notna()
        counts = own.loc[used].groupby(own.loc[used, "unit"])["y"].transform("size")
        keep = used.copy()
        keep[used] = counts > 1
        u = (own.loc[keep, "y"] - own.loc[keep, "xb"]).groupby(own.loc[keep, "unit"]).mean()
        frame = own if data is None else self._evaluate(data)
        out = pd.DataFrame(index=frame.index)
        ok = frame["xb"].notna()
        if data is None:
            ok &= keep
        out["regime"] = frame["regime"].where(ok).astype("Int64")
        out["xb"] = frame["xb"].where(ok)
        out["u"] = frame["unit"].map(u).where(ok)
        out["fitted"] = out["xb"] + out["u"]
        return out

    def _evaluate(self, data):
        """y, q, regime, xb and unit of each row of data."""
        unit = data[self.id].to_numpy()
        period = data[self.time].to_numpy()
        position = {key: i for i, key in enumerate(zip(unit, period))}

        def value(column, lag):
            col = data[column].to_numpy(dtype=float)
            if lag == 0:
                return col
            rows = [position.get((u, t - lag), -1) for u, t in zip(unit, period)]
            return np.array([col[r] if r >= 0 else np.nan for r in rows])

        (y,) = parse_list([self.model["depvar"]])
        (q,) = parse_list([self.model["qx"]])
        qv = q.evaluate(value)
        below = (lambda g: qv < g) if self.convention == "hansen" else (lambda g: qv <= g)
        regime = np.zeros(len(data), dtype=int)
        for g in sorted(self.final_thresholds):
            regime += ~below(g)
        xb = np.zeros(len(data))
        coefs = self.coefficients
        for term in parse_list(self.model["indep"]):
            if term.factor is None:
                xb += coefs.loc[term.name, "estimate"] * term.evaluate(value)
                continue
            # thresher's dummies "<level>.<column>", the base level omitted.
            level = term.evaluate(value)
            suffix = "." + term.factor[0]
            for name in coefs.index[coefs["regime"].isna()]:
                if name.endswith(suffix):
                    xb += coefs.loc[name, "estimate"] * (level == float(name[:-len(suffix)]))
        for term in parse_list(self.model["rx"]):
            slopes = coefs[(coefs["term"] == term.name) & coefs["regime"].notna()]
            beta = slopes.set_index(slopes["regime"].astype(int))["estimate"]
            xb += beta.reindex(regime).to_numpy() * term.evaluate(value)
        if CONSTANT in coefs.index:
            xb += coefs.loc[CONSTANT, "estimate"]
        xb[np.isnan(qv)] = np.nan
        return pd.DataFrame({"unit": unit, "y": y.evaluate(value), "regime": regime, "xb": xb},
                            index=data.index)

    # --- reports --------------------------------------------------------------

    def summary(self):
        """A text report: thresholds, bootstrap tests, the regression table."""
        m = self.model
        lines = [f"Panel threshold model ({self.convention} convention): {m['depvar']} on "
                 f"{', '.join(m['indep'] + m['rx'])}, threshold variable {m['qx']}",
                 f"Units {self.n_units}, periods {self.n_periods}, observations {self.nobs}; "
                 f"grid {m['grid']}, trim {m['trim']}, seed {self.json['seed']}", "",
                 f"Thresholds ({100 * m['level']:.12g}% LR confidence intervals):",
                 self.thresholds.to_string(), "", "Threshold effect tests:",
                 self.tests.to_string(), "",
                 f"Fixed-effects regression ({self.vce} standard errors, residual df {self.df_resid}):"]
        table = pd.DataFrame({"coef": self.params, "std err": self.bse, "t": self.tvalues,
                              "P>|t|": self.pvalues}).join(self.conf_int())
        lines.append(table.to_string())
        lines += [f"regime {i}: {label}" for i, label in enumerate(self.regimes)]
        return "\n".join(lines)

    def __repr__(self):
        return (f"<thresher.XthregResult {self.model['depvar']} ~ thresholds "
                f"{self.final_thresholds} ({self.nobs} obs)>")

    def to_latex(self, digits=4):
        """A LaTeX tabular (digits significant digits): coefficients
        (standard errors below), thresholds and the threshold tests. Needs no LaTeX package beyond the standard ones."""
        fmt = f"{{:.{digits}g}}"

        def esc(s):
            return str(s).replace("\\", r"\textbackslash{}").replace("_", r"\_").replace("&", r"\&") \
                .replace("%", r"\%").replace("#", r"\#").replace("^", r"\^{}").replace("<=", r"$\le$") \
                .replace("<", "$<$")

        out = [r"\begin{tabular}{lr}", r"\hline", f"& {esc(self.model['depvar'])} \\\\", r"\hline"]
        for label, est in self.params.items():
            out.append(f"{esc(label)} & {fmt.format(est)} \\\\")
            out.append(f" & ({fmt.format(self.bse[label])}) \\\\")
        out.append(r"\hline")
        for label, row in self.thresholds.iterrows():
            out.append(f"{esc(label)} & {fmt.format(row['threshold'])} "
                       f"[{fmt.format(row['lower'])}, {fmt.format(row['upper'])}] \\\\")
        for k, row in self.tests.iterrows():
            p = "--" if not row["reps"] else fmt.format(row["p_value"])
            out.append(f"F{k} ({esc(row['name'])}) & {fmt.format(row['f_stat'])} (p = {p}) \\\\")
        out += [f"Observations & {self.nobs} \\\\", r"\hline", r"\end{tabular}"]
        return "\n".join(out) + "\n"

    def plot_lr(self, stage=None, ax=None):
        """Plots the LR curves of a stage (default: every stage) with the
        critical value at the model's level; returns the matplotlib Figure
        (no pyplot, so no display is needed: fig.savefig("lr.png") renders
        with Agg)."""
        from matplotlib.figure import Figure

        stages = self.stages if stage is None else [self.stages[stage - 1]]
        if ax is None:
            fig = Figure(figsize=(6, 4.5), layout="constrained")
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        for st in stages:
            for curve in st["lr_curves"]:
                pts = np.asarray(curve["points"], dtype=float)
                ax.plot(pts[:, 0], pts[:, 1], label=f"stage {st['k']}, threshold {curve['threshold']:.6g}")
        crit = lr_critical(self.model["level"])
        ax.axhline(crit, color="black", linestyle="--", linewidth=0.8,
                   label=f"{100 * self.model['level']:.12g}% critical value {crit:.2f}")
        ax.set_xlabel(f"threshold ({self.model['qx']})")
        ax.set_ylabel("LR statistic")
        # Below the axes, never over the curves; constrained layout makes room.
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, fontsize="small", frameon=False)
        return fig
