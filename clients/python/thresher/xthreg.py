"""thresher.xthreg: the command line's xthreg on a DataFrame."""

import json

from . import _spec
from ._run import ThresherError, dataset, run, used_columns
from .result import VCE_COLUMNS, XthregResult


def xthreg(data, depvar, indep=(), rx=(), qx=None, *, id="id", time="year", thnum=1, grid="all",
           trim=0.01, bs=300, level=95, seed=1, convention="xthreg", bootstrap="auto",
           residuals="null", thresholds=None, algorithm="fast", vce="conventional", bootstrap_refine=False,
           save_draws=False, workers=None, max_work=None, binary=None, coordinator=None, tls_ca=None,
           tls_server_name=None, token_file=None, dial_timeout=None, timeout=None):
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
    thresher on PATH), which runs the job on its in-process cluster. With
    coordinator ("host:port" or a list of them) the package submits the job
    to that cluster itself, over gRPC, without the binary: TLS when tls_ca
    (the PEM CA bundle) is given, verifying the certificates under
    tls_server_name (default: the host dialled), and the bearer token of the
    first line of token_file (name:token[:admin], or a token alone); plaintext only to loopback addresses. The job
    is the one ``thresher xthreg --coordinator`` submits for the same
    options; workers and max_work apply to the binary only (the
    coordinator's --max-work bounds a cluster's jobs). vce chooses the
    inference, as --vce does: robust or cluster test by the wild cluster
    bootstrap and scale the threshold sets by Hansen's (2000) eta^2; and the
    default standard errors of .bse, .cov, .conf_int() and .summary()
    (conventional, robust or cluster). bootstrap_refine is
    --bootstrap-refine.

    dial_timeout bounds, in seconds, the wait for a first connection to a
    coordinator (default 10; --dial-timeout); a TLS mismatch fails at once.
    timeout bounds the run in seconds (subprocess.TimeoutExpired from the
    binary; TimeoutError from a cluster, which then cancels the job).
    Returns an XthregResult; raises ThresherError with thresher's message
    when thresher refuses the data or the options.
    """
    if qx is None:
        raise TypeError("xthreg() needs qx, the threshold variable")
    if vce not in VCE_COLUMNS:
        raise ValueError(f"vce {vce!r}: want one of {', '.join(VCE_COLUMNS)}")
    indep_list = _as_list(indep)
    rx_list = _as_list(rx)
    if coordinator is not None:
        doc = _remote(data, dict(id=id, time=time, depvar=depvar, indep=indep_list, rx=rx_list, qx=qx,
                                 thnum=thnum, grid=grid, trim=trim, bs=bs, level=level, seed=seed,
                                 convention=convention, residuals=residuals, thresholds=thresholds,
                                 algorithm=algorithm, bootstrap=bootstrap, save_draws=save_draws, vce=vce,
                                 bootstrap_refine=bootstrap_refine),
                      coordinator, tls_ca, tls_server_name, token_file, dial_timeout, workers, max_work, timeout)
        return XthregResult(doc, data, id=id, time=time, vce=vce)
    flags = {
        "id": id, "time": time, "depvar": depvar, "indep": indep_list, "rx": rx_list, "qx": qx,
        "thnum": thnum, "grid": grid, "trim": trim, "bs": bs, "level": level, "seed": seed,
        "convention": convention, "bootstrap": bootstrap, "residuals": residuals,
        "thresholds": thresholds, "algorithm": algorithm, "save_draws": save_draws or None,
        "vce": vce, "bootstrap_refine": bool(bootstrap_refine), "workers": workers, "max_work": max_work,
    }
    columns = used_columns(id, time, depvar, indep_list, rx_list, qx)
    doc = run(data, columns, flags, binary=binary, timeout=timeout)
    return XthregResult(doc, data, id=id, time=time, vce=vce)


def _remote(data, options, coordinator, tls_ca, tls_server_name, token_file, dial_timeout, workers, max_work,
            timeout):
    """Runs the model on the cluster at coordinator over gRPC and returns
    the result's JSON document."""
    from ._grpc import Client, specification  # grpcio is needed on this path only

    for name, value in (("workers", workers), ("max_work", max_work)):
        if value is not None:
            raise ValueError(f"{name}= applies to the binary's in-process cluster, not with coordinator=")
    addrs = _as_list(coordinator)
    spec = specification("", _spec.config(**options))
    columns = used_columns(options["id"], options["time"], options["depvar"], options["indep"],
                           options["rx"], options["qx"])
    with Client(addrs, tls_ca=tls_ca, tls_server_name=tls_server_name, token_file=token_file,
                dial_timeout=10.0 if dial_timeout is None else float(dial_timeout)) as client:
        results = client.run(dataset(data, columns), [spec], timeout=timeout)
    try:
        return json.loads(results[0])
    except (IndexError, ValueError) as err:
        raise ThresherError(f"the cluster returned no valid result: {err}") from err


def _as_list(terms):
    if isinstance(terms, str):
        return [t.strip() for t in terms.split(",") if t.strip()]
    return list(terms)
