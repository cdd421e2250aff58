"""A client of a thresher cluster's Jobs API (proto/thresherv1), as the
Go client (cluster/client) is: upload the dataset in chunks, submit a job
of one specification under a random id, watch it to its end, and cancel it
when the caller gives up. Calls that no coordinator could answer are
retried on the next coordinator, at most dial_timeout seconds before any
coordinator has answered and PATIENCE seconds after. With TLS, each
coordinator's certificate must name the coordinator role (URI SAN
thresher://<cluster-id>/coordinator, package cluster/identity), as the Go
client requires: grpcio verifies no more than the CA and the server name,
so a TLS handshake of Python's ssl module checks it, under the same CA and
name, before the first call to that coordinator.
"""

import ipaddress
import secrets
import socket
import ssl
import time

import grpc

from . import _spec
from ._run import ThresherError
from .thresherv1 import thresher_pb2 as pb
from .thresherv1 import thresher_pb2_grpc as pb_grpc

CHUNK = 1 << 20
PATIENCE = 300.0
CANCEL_WAIT = 0.3
MIN_TOKEN_LENGTH = 16
_TRANSIENT = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.ABORTED,
              grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}
_FINAL = {pb.JOB_STATE_SUCCEEDED, pb.JOB_STATE_FAILED, pb.JOB_STATE_CANCELLED}

# Causes of a failed first connection, recognized in grpcio's message, with
# the attempts in a row that make them final and what fixes them (the Go
# client's, cluster/client/dial.go, with the arguments for the flags). A
# connection closed before HTTP/2, as a TLS server closes a plaintext one,
# is final after three attempts, as a coordinator dying mid-handshake may
# close one too. "Hostname mismatch" and "IP address mismatch" are texts of
# Python's ssl module (the handshake of _check_role), which says "certificate
# verify failed" for them too: they come first.
_SERVER_NAME = ("the coordinator's certificate is not valid for the server name: set tls_server_name= to a name "
                "in its certificate ('thresher certs' uses thresher-coordinator)")
_CAUSES = [
    ("Hostname mismatch", 1, False, _SERVER_NAME),
    ("IP address mismatch", 1, False, _SERVER_NAME),
    ("certificate verify failed", 1, False,
     "the coordinator's certificate is signed by an unknown authority: pass the cluster's CA with tls_ca="),
    ("is not in peer certificate", 1, False, _SERVER_NAME),
    ("wrong version number", 1, False,
     "the coordinator does not speak TLS: it runs with --insecure (loopback only): drop tls_ca=, "
     "or give the coordinator --tls-cert, --tls-key and --tls-ca"),
    ("Socket closed", 3, True,
     "the coordinator closed the connection before speaking gRPC: a coordinator with TLS needs "
     "the cluster's CA in tls_ca="),
]


def _cause(details, tls):
    """The attempts that make a failed connection's cause final, and the
    cause, or (0, None)."""
    for text, final, plaintext_only, cause in _CAUSES:
        if text in details and not (plaintext_only and tls):
            return final, cause
    return 0, None


# The role a coordinator's certificate names (package cluster/identity).
SCHEME, ROLE = "thresher", "coordinator"


def role_of(cert):
    """The role of the first thresher:// URI SAN of a certificate (as
    ssl.SSLSocket.getpeercert returns it), or "" when it names none:
    identity.RoleOf."""
    for kind, value in cert.get("subjectAltName", ()):
        if kind == "URI" and value.startswith(SCHEME + "://"):
            return value[len(SCHEME) + 3:].partition("/")[2]
    return ""


def check_role(addr, cert):
    """Refuses the certificate of the server at addr unless it names the
    coordinator role, with identity.CheckRole's message."""
    role = role_of(cert)
    if role != ROLE:
        name = next((v for rdn in cert.get("subject", ()) for k, v in rdn if k == "commonName"), "")
        raise ThresherError(f'{addr}: the coordinator\'s certificate "{name}" has role "{role}" (URI SAN '
                            f'{SCHEME}://<cluster-id>/<role>); want {ROLE}: check that coordinator= names coordinators')


def _split(addr):
    """The host and port of HOST:PORT or [HOST]:PORT."""
    host, _, port = addr.rpartition(":")
    return host.strip("[]"), int(port)


def is_loopback(addr):
    """Whether HOST:PORT names this machine, as the Go client decides."""
    if addr.startswith("[") and "]" in addr:
        host = addr[1:addr.index("]")]
    elif addr.count(":") == 1:
        host = addr.split(":")[0]
    else:
        host = addr
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_token(path):
    """The first token of a token file, read as the command line reads it:
    a line per token, "name:token", "name:token:admin" or a token alone;
    blank lines and # comments skipped; every token at least
    MIN_TOKEN_LENGTH characters long."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as err:
        raise ThresherError(f"tokens: {err}") from err
    tokens = []
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        parts = text.split(":")
        if len(parts) == 3 and parts[2] == "admin":
            parts = parts[:2]
        if len(parts) > 2:
            raise ThresherError(f'tokens: {path} line {number}: want "name:token", "name:token:admin" or a token alone')
        token = parts[-1]
        if len(token) < MIN_TOKEN_LENGTH:
            raise ThresherError(f"tokens: {path} line {number}: a token needs at least {MIN_TOKEN_LENGTH} characters")
        tokens.append(token)
    if not tokens:
        raise ThresherError(f"tokens: {path} holds no token")
    return tokens[0]


def specification(label, config):
    """The job item of a threshold model's configuration (_spec.config)."""
    return pb.Specification(label=label, kind=_spec.KIND, spec=_spec.encode(config))


class Client:
    """Connections to one or more coordinators (a list of HOST:PORT)."""

    def __init__(self, addrs, tls_ca=None, tls_server_name=None, token_file=None, dial_timeout=10.0):
        if not addrs:
            raise ValueError("coordinator: no address")
        self._metadata = () if token_file is None else (("authorization", "Bearer " + read_token(token_file)),)
        options = [("grpc.max_receive_message_length", 1 << 30)]
        self._verified = set()  # the coordinators whose certificate names the role
        if tls_ca is not None:
            try:
                with open(tls_ca, "rb") as f:
                    ca = f.read()
                creds = grpc.ssl_channel_credentials(root_certificates=ca)
                self._ssl = ssl.create_default_context(cadata=ca.decode("ascii", "replace"))
            except (OSError, ssl.SSLError) as err:
                raise ThresherError(f"tls: CA bundle: {err}") from err
            self._ssl.set_alpn_protocols(["h2"])
            self._server_name = tls_server_name
            if tls_server_name:
                options.append(("grpc.ssl_target_name_override", tls_server_name))
            self._channels = [grpc.secure_channel(a, creds, options=options) for a in addrs]
        else:
            far = [a for a in addrs if not is_loopback(a)]
            if far:
                raise ValueError(f"coordinator {far[0]} is not on loopback: give tls_ca= to connect with TLS")
            self._channels = [grpc.insecure_channel(a, options=options) for a in addrs]
        self._addrs = list(addrs)
        self._next = 0
        self._answered = False
        self._heard = None  # time.monotonic() of the last watch event
        self._tls = tls_ca is not None
        self.dial_timeout = dial_timeout

    def close(self):
        for ch in self._channels:
            ch.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _check_role(self, addr, timeout):
        """Refuses a coordinator whose certificate does not name the
        coordinator role: a handshake under the channel's CA and server
        name, whose errors are the connection's."""
        if not self._tls or addr in self._verified:
            return
        host, port = _split(addr)
        with socket.create_connection((host, port), timeout=timeout) as sock:
            with self._ssl.wrap_socket(sock, server_hostname=self._server_name or host) as conn:
                check_role(addr, conn.getpeercert())
        self._verified.add(addr)

    def _call(self, op, deadline):
        """Runs op(stub, timeout) on the coordinators in turn until it
        succeeds or fails for good; deadline (time.monotonic) bounds it.
        The patience counts from the call's start or the last watch event,
        whichever is later."""
        start = time.monotonic()
        backoff = 0.1
        last, seen = None, 0  # the cause of the previous failed first connection, attempts in a row
        while True:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise TimeoutError("the cluster did not finish the job within the timeout")
            addr = self._addrs[self._next]
            try:
                self._check_role(addr, min(t for t in (remaining, self.dial_timeout) if t is not None))
                result = op(pb_grpc.JobsStub(self._channels[self._next]), remaining)
                self._answered = True
                return result
            except (grpc.RpcError, OSError) as err:
                code = err.code() if isinstance(err, grpc.RpcError) else grpc.StatusCode.UNAVAILABLE
                if code not in _TRANSIENT:
                    self._answered = True
                    raise ThresherError(err.details() or str(code)) from err
                if deadline is not None and time.monotonic() >= deadline:
                    raise TimeoutError("the cluster did not finish the job within the timeout") from err
                details = (err.details() if isinstance(err, grpc.RpcError) else str(err)) or str(code)
                if not self._answered:
                    final, cause = _cause(details, self._tls)
                    seen = seen + 1 if cause is not None and cause == last else 1
                    last = cause
                    if cause is not None and seen >= final:
                        raise ThresherError(f"{addr}: {cause}") from err
                    if time.monotonic() - start + backoff > self.dial_timeout:
                        raise ThresherError(f"no coordinator answered within {self.dial_timeout:g} s: check "
                                            f"coordinator= (last error: {addr}: {details})") from err
                elif time.monotonic() - max(start, self._heard or start) + backoff > PATIENCE:
                    raise ThresherError(f"no coordinator answered for {PATIENCE:g} s (last error: "
                                        f"{addr}: {details})") from err
            self._next = (self._next + 1) % len(self._channels)
            time.sleep(backoff)
            backoff = min(2 * backoff, 2.0)

    def upload(self, data, deadline=None):
        """Stores the dataset (bytes) and returns its SHA-256."""

        def chunks():
            for off in range(0, max(len(data), 1), CHUNK):
                yield pb.DatasetChunk(data=data[off:off + CHUNK])

        def op(stub, timeout):
            return stub.UploadDataset(chunks(), timeout=timeout, metadata=self._metadata).sha256

        return self._call(op, deadline)

    def submit(self, job_id, dataset_sha256, specs, deadline=None):
        """Submits a job of the specifications; retrying is safe."""
        req = pb.SubmitRequest(job_id=job_id, spec=pb.JobSpec(dataset_sha256=dataset_sha256, specs=specs))
        self._call(lambda stub, timeout: stub.Submit(req, timeout=timeout, metadata=self._metadata), deadline)

    def wait(self, job_id, deadline=None, on_event=None):
        """Follows the job to its end and returns its results (bytes, one
        per specification); a broken watch is re-established."""

        def op(stub, timeout):
            for ev in stub.Watch(pb.WatchRequest(job_id=job_id), timeout=timeout, metadata=self._metadata):
                self._heard = time.monotonic()
                if on_event is not None:
                    on_event(ev)
                if ev.state in _FINAL:
                    return ev
            raise _Ended()

        ev = self._call(op, deadline)
        if ev.state == pb.JOB_STATE_FAILED:
            raise ThresherError(ev.error)
        if ev.state == pb.JOB_STATE_CANCELLED:
            raise ThresherError(f"job {job_id} was cancelled")
        return list(ev.results)

    def cancel(self, job_id):
        """Asks the cluster to stop the job, waiting at most CANCEL_WAIT."""
        try:
            pb_grpc.JobsStub(self._channels[self._next]).Cancel(
                pb.CancelRequest(job_id=job_id), timeout=CANCEL_WAIT, metadata=self._metadata)
        except grpc.RpcError:
            pass

    def run(self, data, specs, timeout=None, on_event=None):
        """Uploads data, submits a job of specs and returns its results;
        when the caller gives up (timeout, KeyboardInterrupt) the job is
        cancelled so that the cluster stops working for nobody."""
        deadline = None if timeout is None else time.monotonic() + timeout
        sha = self.upload(data, deadline)
        job_id = secrets.token_hex(12)
        try:
            self.submit(job_id, sha, specs, deadline)
            return self.wait(job_id, deadline, on_event)
        except (TimeoutError, KeyboardInterrupt):
            self.cancel(job_id)
            raise


class _Ended(grpc.RpcError):
    """A watch stream that ended before the job did: retried as a broken
    connection is."""

    def code(self):
        return grpc.StatusCode.UNAVAILABLE

    def details(self):
        return "the watch ended before the job"
