# Stata-style variable-list terms as thresher parses them
# (estimators/panel/expr.go):
#
#   sum      := factor (('*' | '/') factor)*
#   factor   := primary ('^' integer)?
#   primary  := number | variable | '(' sum ')'
#   variable := [('L' | 'l') [digits] '.'] identifier
#
# Used to name the columns a model reads and to evaluate the regressors of
# a fitted model in predict().

parse_term <- function(text) {
  src <- gsub("[[:space:]]", "", text)
  if (!nzchar(src)) stop("empty term", call. = FALSE)
  pos <- 1L
  fail <- function(what) stop(sprintf("term \"%s\" at position %d: %s", src, pos, what), call. = FALSE)
  peek <- function() if (pos <= nchar(src)) substr(src, pos, pos) else ""
  match_at <- function(pattern) {
    m <- regmatches(substring(src, pos), regexpr(paste0("^", pattern), substring(src, pos)))
    if (length(m) == 0L) NULL else m
  }
  sum_ <- function() {
    left <- factor_()
    while (peek() %in% c("*", "/")) {
      op <- peek()
      pos <<- pos + 1L
      left <- list(kind = "binary", op = op, left = left, right = factor_())
    }
    left
  }
  factor_ <- function() {
    base <- primary()
    if (peek() != "^") return(base)
    pos <<- pos + 1L
    digits <- match_at("[0-9]+")
    if (is.null(digits) || as.integer(digits) < 1L || as.integer(digits) > 16L) {
      fail("the exponent after '^' must be an integer from 1 to 16")
    }
    pos <<- pos + nchar(digits)
    list(kind = "power", base = base, exp = as.integer(digits))
  }
  primary <- function() {
    if (peek() == "(") {
      pos <<- pos + 1L
      inner <- sum_()
      if (peek() != ")") fail("missing ')'")
      pos <<- pos + 1L
      return(inner)
    }
    num <- match_at("([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?")
    if (!is.null(num)) {
      pos <<- pos + nchar(num)
      return(list(kind = "number", value = as.numeric(num)))
    }
    lag <- 0L
    op <- match_at("[Ll][0-9]*\\.")
    if (!is.null(op)) {
      lag <- if (nchar(op) > 2L) as.integer(substr(op, 2L, nchar(op) - 1L)) else 1L
      pos <<- pos + nchar(op)
    }
    name <- match_at("[A-Za-z_][A-Za-z0-9_]*")
    if (is.null(name)) fail(if (nzchar(peek())) "expected a column name" else "unexpected end of term")
    pos <<- pos + nchar(name)
    list(kind = "variable", column = name, lag = lag)
  }
  root <- sum_()
  if (pos <= nchar(src)) fail(sprintf("unexpected \"%s\"", substring(src, pos)))
  structure(list(name = src, root = root), class = "thresher_term")
}

# parse_terms parses a character vector of terms, or one comma-separated
# string of them.
parse_terms <- function(terms) {
  terms <- unlist(strsplit(as.character(terms), ",", fixed = TRUE))
  terms <- terms[nzchar(trimws(terms))]
  lapply(terms, parse_term)
}

# term_refs lists the (column, lag) pairs a term reads, as a data frame.
term_refs <- function(term) {
  walk <- function(n) {
    switch(n$kind,
      variable = data.frame(column = n$column, lag = n$lag),
      binary = rbind(walk(n$left), walk(n$right)),
      power = walk(n$base),
      data.frame(column = character(), lag = integer()))
  }
  unique(walk(term$root))
}

# eval_term evaluates a term; value(column, lag) returns a numeric vector.
eval_term <- function(term, value) {
  ev <- function(n) {
    switch(n$kind,
      number = n$value,
      variable = value(n$column, n$lag),
      power = ev(n$base)^n$exp,
      binary = if (n$op == "/") ev(n$left) / ev(n$right) else ev(n$left) * ev(n$right))
  }
  ev(term$root)
}
