"""Running the thresher binary on a DataFrame."""

import json
import os
import shutil
import subprocess
import tempfile

from ._terms import TermError, parse_list


class ThresherError(RuntimeError):
    """thresher refused the job or failed; the message is thresher's own.

    Attributes: ``returncode`` (1 for bad data, 2 for a usage mistake, as the
    command line's exit status) and ``stderr`` (everything thresher wrote
    there, progress included). On the gRPC path (coordinator=) the message
    is the cluster's, returncode is None and stderr empty.
    """

    def __init__(self, message, returncode=None, stderr=""):
        super().__init__(message)
        self.returncode = returncode
        self.stderr = stderr


def find_binary(binary=None):
    """The thresher executable: binary, else $THRESHER_BINARY, else PATH."""
    candidate = binary or os.environ.get("THRESHER_BINARY") or "thresher"
    path = shutil.which(candidate)
    if path is None:
        raise ThresherError(
            f"thresher binary {candidate!r} not found: pass binary=, set THRESHER_BINARY "
            "or put thresher on PATH (make build writes bin/thresher)"
        )
    return path


def _flag_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(_flag_value(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def used_columns(id, time, depvar, indep, rx, qx):
    """Columns the model reads, or None when a term does not parse (thresher
    then reads the whole frame and reports the term itself)."""
    cols = [id, time]
    try:
        terms = parse_list([depvar]) + parse_list(indep) + parse_list(rx) + parse_list([qx])
    except TermError:
        return None
    for term in terms:
        for column, _ in term.refs():
            if column not in cols:
                cols.append(column)
    return cols


def message_of(stderr):
    """thresher's error message: stderr without its progress lines."""
    lines = [ln for ln in stderr.splitlines() if ln.strip() and not ln.startswith("thresher: ")]
    return "\n".join(lines) or stderr.strip() or "thresher failed without a message"


def dataset(data, columns):
    """The CSV bytes thresher reads: the columns of data (all of them when
    columns is None or names a missing one, which thresher then reports),
    without the index."""
    missing = [c for c in (columns or []) if c not in data.columns]
    frame = data if columns is None or missing else data[columns]
    return frame.to_csv(index=False).encode("utf-8")


def run(data, columns, flags, binary=None, timeout=None):
    """Writes dataset(data, columns) to a temporary CSV, runs
    ``thresher xthreg --format json`` with flags (name -> value; None skips
    a flag) and returns the parsed JSON document."""
    exe = find_binary(binary)
    with tempfile.TemporaryDirectory(prefix="thresher-") as tmp:
        path = os.path.join(tmp, "data.csv")
        with open(path, "wb") as f:
            f.write(dataset(data, columns))
        args = [exe, "xthreg", "--data", path, "--format", "json"]
        for name, value in flags.items():
            if value is not None:
                args.append(f"--{name.replace('_', '-')}={_flag_value(value)}")
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise ThresherError(message_of(proc.stderr), proc.returncode, proc.stderr)
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as err:
        raise ThresherError(f"thresher wrote no valid JSON: {err}", proc.returncode, proc.stderr) from err
