"""The gRPC path: xthreg(..., coordinator=) against a real local cluster,
and the job it submits compared with the one `thresher xthreg --coordinator`
submits."""

import subprocess
import time

import pytest

import thresher
from cluster import Capture, capture_server, free_port, local_cluster
from conftest import HANSEN, INVEST
from thresher import _spec
from thresher._grpc import Client, read_token, role_of, specification
from thresher._run import dataset, used_columns


@pytest.fixture(scope="module")
def cluster(binary, tmp_path_factory):
    with local_cluster(binary, tmp_path_factory.mktemp("cluster")) as addr:
        yield addr


def test_equals_in_process(binary, invest, cluster):
    local = thresher.xthreg(invest, binary=binary, **HANSEN)
    remote = thresher.xthreg(invest, coordinator=cluster, **HANSEN)
    assert remote.json == local.json
    assert remote.final_thresholds == local.final_thresholds


def test_cluster_errors_carry_thresher_message(invest, cluster):
    with pytest.raises(thresher.ThresherError, match='unknown column "nope"'):
        thresher.xthreg(invest, depvar="i", indep="L.q", rx="L.c", qx="nope", bs=0, grid=50,
                        coordinator=cluster)


# Each case: xthreg's keyword arguments and the command line's flags for the
# same model (the flags the binary path passes, in the command line's syntax).
CASES = [
    (HANSEN, ["--depvar", "i", "--indep", "L.q,L.q^2,L.q^3,L.d,L.q*L.d", "--rx", "L.c", "--qx", "L.d",
              "--thnum", "3", "--grid", "400", "--trim", "0.01,0.01,0.05", "--bs", "20",
              "--convention", "hansen"]),
    (dict(depvar="i", rx="L.c", qx="L.d"), ["--depvar", "i", "--rx", "L.c", "--qx", "L.d", "--trim", "0.01",
                                             "--bs", "300"]),
    (dict(depvar="i", indep=" L.q , L.q^2/100,", rx=["L.c", "L.d"], qx="L.d", thnum=2, grid="all",
          trim="0.00001 0.25", bs=[0, 7], level=99.5, seed=2**64 - 1, convention="xthreg",
          residuals="alternative", bootstrap="wild-webb", algorithm="reference", save_draws=True),
     ["--depvar", "i", "--indep", "L.q,L.q^2/100", "--rx", "L.c,L.d", "--qx", "L.d", "--thnum", "2",
      "--grid", "all", "--trim", "0.00001,0.25", "--bs", "0,7", "--level", "99.5",
      "--seed", "18446744073709551615", "--residuals", "alternative", "--bootstrap", "wild-webb",
      "--algorithm", "reference", "--save-draws"]),
    (dict(depvar="i", indep=[], rx="L.c", qx="L.q", thnum=2, thresholds=[1.5e-7, 2.5e21], level=90, trim=0.1,
          bs=0, id="unit <&> \u2028\t\"é\b\f\x01\x7f", time="year"),
     ["--depvar", "i", "--rx", "L.c", "--qx", "L.q", "--thnum", "2", "--thresholds", "1.5e-7,2.5e21",
      "--level", "90", "--trim", "0.1", "--bs", "0", "--id", "unit <&> \u2028\t\"é\b\f\x01\x7f"]),
]


def cli_submit(binary, capture, addr, data, flags, args=()):
    """What `thresher xthreg --coordinator addr` submits for data (bytes)."""
    before = len(capture.submits)
    proc = subprocess.run([binary, "xthreg", "--data", str(data), "--coordinator", addr, *flags, *args],
                          capture_output=True, text=True, check=False)
    assert Capture.REFUSED in proc.stderr, proc.stderr
    assert len(capture.submits) == before + 1
    return capture.submits[-1]


def py_submit(invest, capture, addr, kwargs, **extra):
    before = len(capture.submits)
    with pytest.raises(thresher.ThresherError, match=Capture.REFUSED):
        thresher.xthreg(invest, coordinator=addr, **kwargs, **extra)
    assert len(capture.submits) == before + 1
    return capture.submits[-1]


@pytest.mark.parametrize("kwargs, flags", CASES)
def test_submits_what_the_cli_submits(binary, invest, tmp_path, kwargs, flags):
    opts = dict(id="id", time="year", indep=())
    opts.update(kwargs)
    # The command line refuses a column its file lacks before it submits, so
    # a case whose unit column is not Hansen's names that column so.
    frame = invest if opts["id"] in invest.columns else invest.rename(columns={"id": opts["id"]})
    csv = tmp_path / "data.csv"
    csv.write_bytes(dataset(frame, used_columns(opts["id"], opts["time"], opts["depvar"],
                                                 _spec._terms(opts["indep"]) or [],
                                                 _spec._terms(opts["rx"]) or [], opts["qx"])))
    with capture_server() as (capture, addr):
        want, _ = cli_submit(binary, capture, addr, csv, flags)
        got, _ = py_submit(frame, capture, addr, kwargs)
    assert got.spec.specs[0].spec == want.spec.specs[0].spec
    assert got.spec == want.spec
    assert capture.datasets[got.spec.dataset_sha256] == csv.read_bytes()


def test_tls_and_token_as_the_cli(binary, invest, tmp_path):
    subprocess.run([binary, "certs", "--dir", str(tmp_path)], check=True, capture_output=True)
    kwargs, flags = CASES[1]
    csv = tmp_path / "data.csv"
    csv.write_bytes(dataset(invest, ["id", "year", "i", "c", "d"]))
    tls = dict(tls_ca=str(tmp_path / "ca.pem"), tls_server_name="thresher-coordinator",
               token_file=str(tmp_path / "tokens.txt"))
    cert, key = (tmp_path / "coordinator.pem").read_bytes(), (tmp_path / "coordinator-key.pem").read_bytes()
    with capture_server(cert, key) as (capture, addr):
        want, want_auth = cli_submit(binary, capture, addr, csv, flags,
                                     ["--tls-ca", tls["tls_ca"], "--tls-server-name", tls["tls_server_name"],
                                      "--token-file", tls["token_file"]])
        got, got_auth = py_submit(invest, capture, addr, kwargs, **tls)
    assert got_auth == want_auth == ["Bearer " + read_token(tls["token_file"])]
    assert got.spec == want.spec


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(coordinator="192.0.2.1:7070"), ValueError, "not on loopback: give tls_ca="),
    (dict(coordinator="127.0.0.1:7070,[2001:db8::1]:7070"), ValueError, r"\[2001:db8::1\]:7070 is not on loopback"),
    (dict(coordinator="127.0.0.1:1", workers=2), ValueError, "workers= applies to the binary"),
    (dict(coordinator="127.0.0.1:1", bs=1.5), ValueError, "bs: 1.5 is not an integer"),
])
def test_refused_before_connecting(invest, kwargs, error, message):
    with pytest.raises(error, match=message):
        thresher.xthreg(invest, depvar="i", rx="L.c", qx="L.d", **kwargs)


@pytest.mark.parametrize("text, message", [
    ("# comment\n\nshort\n", "line 3: a token needs at least 16 characters"),
    ("0123456789abcdef\nshort\n", "line 2: a token needs at least 16 characters"),
    ("# only a comment\n", "holds no token"),
    ("alice:short\n", "line 1: a token needs at least 16 characters"),
    ("a:b:c:0123456789abcdef\n", 'line 1: want "name:token"'),
])
def test_bad_token_file(invest, tmp_path, text, message):
    (tmp_path / "t").write_text(text)
    with pytest.raises(thresher.ThresherError, match=message):
        thresher.xthreg(invest, depvar="i", rx="L.c", qx="L.d", coordinator="127.0.0.1:1",
                        tls_ca=str(INVEST), token_file=str(tmp_path / "t"))


@pytest.mark.parametrize("kwargs, message", [
    (dict(token_file="/dev/zero"), "tokens: /dev/zero: file too large"),
    (dict(tls_ca="/dev/zero"), "tls: CA bundle: /dev/zero: file too large"),
])
def test_endless_credential_files(invest, kwargs, message):
    with pytest.raises(thresher.ThresherError, match=message):
        thresher.xthreg(invest, depvar="i", rx="L.c", qx="L.d", coordinator="127.0.0.1:1", **kwargs)


def test_token_file_not_utf8(tmp_path):
    (tmp_path / "t").write_bytes(b"\xff" * 20)
    with pytest.raises(thresher.ThresherError, match="is not UTF-8 text"):
        read_token(str(tmp_path / "t"))


@pytest.mark.parametrize("text", ["0123456789abcdef\n", "# c\nalice:0123456789abcdef\n", "root:0123456789abcdef:admin\n"])
def test_token_file_formats(tmp_path, text):
    (tmp_path / "t").write_text(text)
    assert read_token(str(tmp_path / "t")) == "0123456789abcdef"


@pytest.fixture(scope="module")
def certs(binary, tmp_path_factory):
    """Two development PKIs of `thresher certs`: the server's and another."""
    dirs = tmp_path_factory.mktemp("certs"), tmp_path_factory.mktemp("other-certs")
    for d in dirs:
        subprocess.run([binary, "certs", "--dir", str(d)], check=True, capture_output=True)
    return dirs


@pytest.mark.parametrize("tls, client, message", [
    (True, dict(tls_ca="other"), "signed by an unknown authority: pass the cluster's CA with tls_ca="),
    (True, dict(tls_ca="own", tls_server_name="wrong-name"), "not valid for the server name: set tls_server_name="),
    (True, dict(), "closed the connection before speaking gRPC: a coordinator with TLS needs the cluster's CA"),
    (False, dict(tls_ca="own"), "does not speak TLS: it runs with --insecure"),
])
def test_tls_mismatch_explained(invest, certs, tls, client, message):
    own, other = certs
    kwargs = {k: str({"own": own, "other": other}[v] / "ca.pem") if k == "tls_ca" else v for k, v in client.items()}
    kwargs.setdefault("tls_server_name", "thresher-coordinator")
    server = ((own / "coordinator.pem").read_bytes(), (own / "coordinator-key.pem").read_bytes()) if tls else ()
    with capture_server(*server) as (capture, addr):
        with pytest.raises(thresher.ThresherError, match=message):
            thresher.xthreg(invest, depvar="i", rx="L.c", qx="L.d", coordinator=addr, **kwargs)
    assert capture.submits == []


@pytest.mark.parametrize("role", ["worker", "client"])
def test_coordinator_role_required(binary, invest, certs, role):
    """A server whose certificate, of the cluster's CA and valid for the
    server name, names another role than coordinator is refused before any
    upload, as the command line refuses it."""
    own, _ = certs
    tls = dict(tls_ca=str(own / "ca.pem"), tls_server_name="thresher-coordinator")
    server = (own / f"{role}.pem").read_bytes(), (own / f"{role}-key.pem").read_bytes()
    with capture_server(*server) as (capture, addr):
        start = time.monotonic()
        with pytest.raises(thresher.ThresherError, match=f'{addr}: the coordinator\'s certificate "thresher {role}" '
                                                         f'has role "{role}" .*; want coordinator'):
            thresher.xthreg(invest, depvar="i", rx="L.c", qx="L.d", coordinator=addr, **tls)
        assert time.monotonic() - start < 5  # final at once, not after the dial timeout
        proc = subprocess.run([binary, "xthreg", "--data", str(INVEST), "--depvar", "i", "--rx", "L.c", "--qx", "L.d",
                               "--coordinator", addr, "--tls-ca", tls["tls_ca"], "--tls-server-name",
                               tls["tls_server_name"]], capture_output=True, text=True, timeout=5)
        assert proc.returncode == 1 and f"the server's certificate is not a coordinator's: has role \"{role}\"" in proc.stderr, \
            proc.stderr
    assert capture.datasets == {} and capture.submits == []


@pytest.mark.parametrize("sans, role", [
    ((("DNS", "x"), ("URI", "thresher://c1/coordinator")), "coordinator"),
    ((("URI", "https://example/coordinator"), ("URI", "thresher://c1/worker"), ("URI", "thresher://c1/coordinator")),
     "worker"),
    ((("URI", "thresher://c1"),), ""),
    ((("DNS", "thresher-coordinator"),), ""),
    ((), ""),
])
def test_role_of(sans, role):
    assert role_of({"subjectAltName": sans}) == role


def test_no_coordinator(invest):
    port = free_port()  # nothing listens there
    with pytest.raises(thresher.ThresherError, match=f"no coordinator answered within 0.3 s: check coordinator= "
                                                     f"\\(last error: 127.0.0.1:{port}: "):
        thresher.xthreg(invest, depvar="i", rx="L.c", qx="L.d", coordinator=f"127.0.0.1:{port}", dial_timeout=0.3)


def test_tls_cluster_with_token(binary, invest, certs, tmp_path):
    """A cluster with TLS and tokens: the right token gets the in-process
    result, another one the coordinator's refusal."""
    own, other = certs
    args = dict(depvar="i", indep="L.q", rx="L.c", qx="L.d", thnum=2, grid=50, bs=5)
    tls = dict(tls_ca=str(own / "ca.pem"), tls_server_name="thresher-coordinator")
    with local_cluster(binary, tmp_path, certs=own) as addr:
        remote = thresher.xthreg(invest, coordinator=addr, token_file=str(own / "tokens.txt"), **tls, **args)
        with pytest.raises(thresher.ThresherError, match="a valid bearer token is required"):
            thresher.xthreg(invest, coordinator=addr, token_file=str(other / "tokens.txt"), **tls, **args)
    assert remote.json == thresher.xthreg(invest, binary=binary, **args).json


def test_timeout_cancels_the_job(invest, cluster):
    """A run that outlives timeout= raises TimeoutError and leaves the job
    cancelled on the cluster, not running for nobody."""
    cfg = _spec.config(id="id", time="year", depvar="i", indep=(), rx="L.c", qx="L.d", thnum=1, grid="400",
                       trim=0.01, bs=50000, level=95, seed=1, convention="xthreg", residuals="null",
                       thresholds=None, algorithm="fast", bootstrap="auto", save_draws=False)
    jobs = set()
    with Client([cluster]) as client:
        with pytest.raises(TimeoutError):
            client.run(dataset(invest, ["id", "year", "i", "c", "d"]), [specification("", cfg)], timeout=0.5,
                       on_event=lambda ev: jobs.add(ev.job_id))
        (job_id,) = jobs
        with pytest.raises(thresher.ThresherError, match=f"job {job_id} was cancelled"):
            client.wait(job_id, deadline=time.monotonic() + 60)  # fails rather than hangs if still running
