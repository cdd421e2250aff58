"""Test helpers for the gRPC path: a real thresher cluster on 127.0.0.1
(the binary's etcd, coordinator and worker) and a capturing Jobs server that
records what a client submits and refuses it."""

import contextlib
import hashlib
import socket
import subprocess
import time
from concurrent import futures

import grpc

from thresher.thresherv1 import thresher_pb2 as pb
from thresher.thresherv1 import thresher_pb2_grpc as pb_grpc

START_TIMEOUT = 60.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_listening(proc, addr, log):
    host, port = addr.rsplit(":", 1)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[1]} exited with {proc.returncode}: {log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection((host, int(port)), timeout=1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{proc.args[1]} did not listen on {addr} within {START_TIMEOUT:g} s: {log.read_text()}")


@contextlib.contextmanager
def local_cluster(binary, tmp, certs=None):
    """Runs etcd, a coordinator and a worker on loopback and yields the
    coordinator's HOST:PORT; stops them in reverse order (SIGTERM, then
    SIGKILL after 10 s). The coordinator and the worker speak plaintext
    (--insecure) or, with certs (a directory of `thresher certs`), TLS, the
    coordinator requiring the token of certs/tokens.txt."""
    etcd, coord = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    security = {"coordinator": ["--insecure"], "worker": ["--insecure"]}
    if certs is not None:
        security = {role: ["--tls-cert", str(certs / f"{role}.pem"), "--tls-key", str(certs / f"{role}-key.pem"),
                           "--tls-ca", str(certs / "ca.pem")] for role in ("coordinator", "worker")}
    tokens = [] if certs is None else ["--token-file", str(certs / "tokens.txt")]
    commands = [
        ("etcd", ["etcd", "--data-dir", str(tmp / "etcd"), "--listen", etcd], etcd),
        ("coordinator", ["coordinator", *security["coordinator"], *tokens, "--etcd", etcd, "--listen", coord,
                         "--metrics-listen", ""], coord),
        ("worker", ["worker", *security["worker"], "--etcd", etcd, "--id", "pytest-worker", "--slots", "2",
                    "--metrics-listen", ""], None),
    ]
    procs = []
    try:
        for name, args, addr in commands:
            log = tmp / f"{name}.log"
            with open(log, "wb") as out:
                proc = subprocess.Popen([binary, *args], stdout=out, stderr=subprocess.STDOUT)
            procs.append(proc)
            if addr is not None:
                _wait_listening(proc, addr, log)
        yield coord
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class Capture(pb_grpc.JobsServicer):
    """A Jobs server that stores uploads, records each Submit with its
    authorization metadata, and refuses it with REFUSED."""

    REFUSED = "captured by the test server"

    def __init__(self):
        self.datasets = {}
        self.submits = []

    def UploadDataset(self, request_iterator, context):
        data = b"".join(chunk.data for chunk in request_iterator)
        sha = hashlib.sha256(data).hexdigest()
        self.datasets[sha] = data
        return pb.DatasetRef(sha256=sha, size=len(data))

    def Submit(self, request, context):
        auth = [v for k, v in context.invocation_metadata() if k == "authorization"]
        self.submits.append((request, auth))
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, self.REFUSED)


@contextlib.contextmanager
def capture_server(cert=None, key=None):
    """Serves a Capture on 127.0.0.1 (TLS with cert and key, PEM bytes)
    and yields it with its HOST:PORT."""
    capture = Capture()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    pb_grpc.add_JobsServicer_to_server(capture, server)
    if cert is None:
        port = server.add_insecure_port("127.0.0.1:0")
    else:
        port = server.add_secure_port("127.0.0.1:0", grpc.ssl_server_credentials([(key, cert)]))
    server.start()
    try:
        yield capture, f"127.0.0.1:{port}"
    finally:
        server.stop(None)
