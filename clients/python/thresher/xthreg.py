"""thresher.xthreg: the command line's xthreg on a DataFrame."""

from ._run import run, used_columns
from .result import VCE_COLUMNS, XthregResult


def xthreg(data, depvar, indep=(), rx=(), qx=None, *, id="id", time="year", thnum=1, grid="all",
           trim=0.01, bs=300, level=95, seed=1, convention="xthreg", bootstrap="auto",
           residuals="null", thresholds=None, algorithm=None, vce="conventional", save_draws=False,
           workers=None, max_work=None, binary=None, coordinator=None, tls_ca=None,
           tls_server_name=None, token_file=None, timeout=None):
    """Estimates a Hansen (1999) fixed-effect panel threshold model.

    data is a pandas DataFrame with one row per (unit, period); id and time
    name its unit and integer period columns. depvar, indep (regime-independent
    regressors), rx (regime-dependent regressors) and qx (threshold variable)
    use thresher's Stata notation (``L.q``, ``L.q^2``, ``L.q*L.d``); a list
    may be given as a Python list or a comma-separated string. The other
    arguments are ``thresher xthreg``'s flags of the same names (trim and bs
    take one value or one per stage). Every model option is passed explicitly,
    so THRESHER_* environment variables cannot change the model; those of
    the cluster options (THRESHER_COORDINATOR, THRESHER_TOKEN_FILE, ...) still
    apply when the arguments are None.

    binary is the thresher executable (default: $THRESHER_BINARY, else
    thresher on PATH). coordinator ("host:port[,...]"), tls_ca,
    tls_server_name and token_file run the job on a cluster instead of the
    binary's in-process one. vce chooses the standard errors of .bse, .cov,
    .conf_int() and .summary() (conventional, robust or cluster).

    Returns an XthregResult; raises ThresherError with thresher's message
    when thresher refuses the data or the options.
    """
    if qx is None:
        raise TypeError("xthreg() needs qx, the threshold variable")
    if vce not in VCE_COLUMNS:
        raise ValueError(f"vce {vce!r}: want one of {', '.join(VCE_COLUMNS)}")
    indep_list = _as_list(indep)
    rx_list = _as_list(rx)
    flags = {
        "id": id, "time": time, "depvar": depvar, "indep": indep_list, "rx": rx_list, "qx": qx,
        "thnum": thnum, "grid": grid, "trim": trim, "bs": bs, "level": level, "seed": seed,
        "convention": convention, "bootstrap": bootstrap, "residuals": residuals,
        "thresholds": thresholds, "algorithm": algorithm, "save_draws": save_draws or None,
        "workers": workers, "max_work": max_work, "coordinator": coordinator, "tls_ca": tls_ca,
        "tls_server_name": tls_server_name, "token_file": token_file,
    }
    columns = used_columns(id, time, depvar, indep_list, rx_list, qx)
    doc = run(data, columns, flags, binary=binary, timeout=timeout)
    return XthregResult(doc, data, id=id, time=time, vce=vce)


def _as_list(terms):
    if isinstance(terms, str):
        return [t.strip() for t in terms.split(",") if t.strip()]
    return list(terms)
