# The thresher binary ($THRESHER_BINARY, else options(thresher.binary), else
# thresher on PATH) and Hansen's (1999) data, found by walking up from the
# working directory to the repository (or $THRESHER_REPO). Tests skip when
# either is missing (R CMD check elsewhere) unless the variables name them,
# as `make test-r` does: then a missing one fails.

repo_root <- function() {
  if (nzchar(Sys.getenv("THRESHER_REPO"))) return(Sys.getenv("THRESHER_REPO"))
  dir <- normalizePath(getwd())
  repeat {
    if (file.exists(file.path(dir, "testdata", "hansen1999", "invest.csv"))) return(dir)
    parent <- dirname(dir)
    if (parent == dir) return(NULL)
    dir <- parent
  }
}

test_binary <- function() {
  if (nzchar(Sys.getenv("THRESHER_BINARY"))) return(thresher:::thresher_binary())
  path <- tryCatch(thresher:::thresher_binary(), error = function(e) NULL)
  if (is.null(path)) {
    root <- repo_root()
    if (!is.null(root) && file.exists(file.path(root, "bin", "thresher"))) path <- file.path(root, "bin", "thresher")
  }
  if (is.null(path)) skip("no thresher binary: run make build or set THRESHER_BINARY")
  path
}

invest_path <- function() {
  root <- repo_root()
  if (is.null(root)) skip("Hansen's data not found: set THRESHER_REPO")
  path <- file.path(root, "testdata", "hansen1999", "invest.csv")
  if (!file.exists(path)) stop("no ", path, " (THRESHER_REPO)")
  path
}

# Hansen's three-threshold example (the README's), with few replications.
hansen_args <- list(depvar = "i", indep = c("L.q", "L.q^2", "L.q^3", "L.d", "L.q*L.d"), rx = "L.c",
                    qx = "L.d", thnum = 3, grid = 400, trim = c(0.01, 0.01, 0.05), bs = 20,
                    convention = "hansen")
hansen_flags <- c("--depvar=i", "--indep=L.q,L.q^2,L.q^3,L.d,L.q*L.d", "--rx=L.c", "--qx=L.d",
                  "--thnum=3", "--grid=400", "--trim=0.01,0.01,0.05", "--bs=20", "--convention=hansen")

# cli runs thresher xthreg on Hansen's data directly and returns stdout.
cli <- function(flags) {
  out <- system2(test_binary(), shQuote(c("xthreg", paste0("--data=", invest_path()), flags)),
                 stdout = TRUE, stderr = FALSE)
  paste(out, collapse = "\n")
}

hansen_fit <- local({
  fit <- NULL
  function() {
    if (is.null(fit)) {
      fit <<- do.call(thresher::xthreg, c(list(read.csv(invest_path())), hansen_args, binary = test_binary()))
    }
    fit
  }
})
