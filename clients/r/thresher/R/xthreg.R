# xthreg runs thresher xthreg on a data frame; see man/xthreg.Rd.
xthreg <- function(data, depvar, indep = character(), rx, qx, id = "id", time = "year",
                   thnum = 1, grid = "all", trim = 0.01, bs = 300, level = 95, seed = 1,
                   convention = c("xthreg", "hansen"), bootstrap = "auto", residuals = "null",
                   thresholds = NULL, algorithm = NULL,
                   vce = c("conventional", "robust", "cluster"), bootstrap_refine = FALSE,
                   save_draws = FALSE, workers = NULL, max_work = NULL, coordinator = NULL, tls_ca = NULL,
                   tls_server_name = NULL, token_file = NULL, binary = NULL) {
  if (!is.data.frame(data)) stop("xthreg: data must be a data frame", call. = FALSE)
  convention <- match.arg(convention)
  vce <- match.arg(vce)
  indep <- split_list(indep)
  rx <- split_list(rx)
  flags <- list(id = id, time = time, depvar = depvar, indep = indep, rx = rx, qx = qx,
                thnum = thnum, grid = grid, trim = trim, bs = bs, level = level, seed = seed,
                convention = convention, bootstrap = bootstrap, residuals = residuals,
                thresholds = thresholds, algorithm = algorithm, vce = vce,
                `bootstrap-refine` = isTRUE(bootstrap_refine),
                `save-draws` = if (isTRUE(save_draws)) TRUE, workers = workers,
                `max-work` = max_work, coordinator = coordinator, `tls-ca` = tls_ca,
                `tls-server-name` = tls_server_name, `token-file` = token_file)
  columns <- used_columns(id, time, depvar, indep, rx, qx)
  doc <- run_thresher(data, columns, flags, binary)
  new_xthreg(doc, data, id = id, time = time, vce = vce, call = match.call())
}

split_list <- function(terms) {
  terms <- trimws(unlist(strsplit(as.character(terms), ",", fixed = TRUE)))
  terms[nzchar(terms)]
}

# thresher_binary finds the executable: binary, else
# getOption("thresher.binary"), else $THRESHER_BINARY, else thresher on PATH.
thresher_binary <- function(binary = NULL) {
  candidate <- binary
  if (is.null(candidate)) candidate <- getOption("thresher.binary")
  if (is.null(candidate) && nzchar(Sys.getenv("THRESHER_BINARY"))) candidate <- Sys.getenv("THRESHER_BINARY")
  if (is.null(candidate)) candidate <- "thresher"
  path <- Sys.which(candidate)
  if (!nzchar(path)) {
    stop(sprintf(paste("thresher binary \"%s\" not found: pass binary =, set",
                       "options(thresher.binary =) or THRESHER_BINARY, or put thresher on PATH"),
                 candidate), call. = FALSE)
  }
  unname(path)
}

# used_columns lists the columns the model reads, or NULL when a term does
# not parse (thresher then reads every column and reports the term).
used_columns <- function(id, time, depvar, indep, rx, qx) {
  terms <- tryCatch(parse_terms(c(depvar, indep, rx, qx)), error = function(e) NULL)
  if (is.null(terms)) return(NULL)
  refs <- unlist(lapply(terms, function(t) term_refs(t)$column))
  unique(c(id, time, refs))
}

# flag_value formats an option for the command line: whole numbers as
# integers, other numbers with 17 significant digits (exact round trip).
flag_value <- function(value) {
  if (is.logical(value)) return(if (isTRUE(value)) "true" else "false")
  if (is.numeric(value)) {
    value <- ifelse(value == round(value) & abs(value) < 1e15,
                    formatC(value, format = "d", big.mark = ""), sprintf("%.17g", value))
  }
  paste(value, collapse = ",")
}

# write_csv writes data without row names, numbers with 17 significant
# digits so that thresher reads exactly the doubles R holds (write.csv
# rounds to 15), missing values as empty cells.
write_csv <- function(data, path) {
  out <- data
  for (j in seq_along(out)) {
    x <- out[[j]]
    if (is.double(x)) {
      s <- sprintf("%.17g", x)
      s[is.na(x)] <- ""
      out[[j]] <- s
    } else if (is.factor(x)) {
      out[[j]] <- as.character(x)
    }
  }
  quote <- which(vapply(data, function(x) is.character(x) || is.factor(x), logical(1)))
  write.table(out, path, sep = ",", row.names = FALSE, na = "",
              quote = if (length(quote)) unname(quote) else FALSE)
}

# error_message is thresher's message: its stderr without progress lines.
error_message <- function(stderr) {
  lines <- stderr[nzchar(trimws(stderr)) & !startsWith(stderr, "thresher: ")]
  if (length(lines) == 0L) lines <- stderr
  if (length(lines) == 0L) lines <- "thresher failed without a message"
  paste(lines, collapse = "\n")
}

run_thresher <- function(data, columns, flags, binary) {
  exe <- thresher_binary(binary)
  if (!is.null(columns) && all(columns %in% names(data))) data <- data[columns]
  dir <- tempfile("thresher-")
  dir.create(dir)
  on.exit(unlink(dir, recursive = TRUE), add = TRUE)
  csv <- file.path(dir, "data.csv")
  write_csv(data, csv)
  args <- c("xthreg", "--data", csv, "--format", "json")
  for (name in names(flags)) {
    if (!is.null(flags[[name]])) args <- c(args, paste0("--", name, "=", flag_value(flags[[name]])))
  }
  out <- file.path(dir, "stdout.json")
  err <- file.path(dir, "stderr.txt")
  status <- system2(exe, shQuote(args), stdout = out, stderr = err)
  stderr <- readLines(err, warn = FALSE)
  if (!identical(status, 0L)) {
    cond <- structure(class = c("thresher_error", "error", "condition"),
                      list(message = error_message(stderr), call = NULL, status = status, stderr = stderr))
    stop(cond)
  }
  jsonlite::fromJSON(out, simplifyVector = FALSE)
}
