"""thresher for Python: Hansen (1999) panel threshold models on a pandas
DataFrame, estimated by the thresher binary or, with coordinator=, by a
thresher cluster over gRPC.

    import thresher
    fit = thresher.xthreg(df, depvar="i", indep=["L.q", "L.q^2"], rx="L.c", qx="L.d", thnum=2)
    print(fit.summary())
"""

from ._run import ThresherError, find_binary
from .result import XthregResult, lr_critical
from .xthreg import xthreg

__all__ = ["ThresherError", "XthregResult", "find_binary", "lr_critical", "xthreg"]
__version__ = "0.1.0"
