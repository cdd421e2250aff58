# Stata-style variable-list terms as thresher parses them
# (estimators/panel/expr.go):
#
#   sum      := factor (('*' | '/') factor)*
#   factor   := primary ('^' integer)?
#   primary  := number | variable | function '(' sum ')' | '(' sum ')'
#   function := 'ln' | 'log' | 'exp' | 'sqrt' | 'abs'
#   variable := (operators '.')* identifier
#   operators:= (('L' | 'F' | 'D') [digits])+, in either case
#
# D.x is x - L.x, recursively; F.x is a lead (lag -1). A whole term i.x or
# ib#.x is a factor variable: thresher names its dummies "<level>.x".
#
# Used to name the columns a model reads and to evaluate the regressors of
# a fitted model in predict().

term_functions <- list(ln = log, log = log, exp = exp, sqrt = sqrt, abs = abs)

parse_term <- function(text) {
  src <- gsub("[[:space:]]", "", text)
  if (!nzchar(src)) stop("empty term", call. = FALSE)
  factor <- regmatches(src, regexec("^i(b(-?[0-9]+))?\\.([A-Za-z_][A-Za-z0-9_]*)$", src))[[1]]
  if (length(factor) > 0L) {
    base <- if (nzchar(factor[3])) as.numeric(factor[3]) else NULL
    return(structure(list(name = src, root = list(kind = "variable", column = factor[4], lag = 0L),
                          factor = list(column = factor[4], base = base)), class = "thresher_term"))
  }
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
    diff <- 0L
    start <- pos
    while (!is.null(ops <- match_at("([LlFfDd][0-9]*)+\\."))) {
      for (op in regmatches(ops, gregexpr("[LlFfDd][0-9]*", ops))[[1]]) {
        k <- if (nchar(op) > 1L) as.integer(substring(op, 2L)) else 1L
        kind <- toupper(substr(op, 1L, 1L))
        if (kind == "L") lag <- lag + k else if (kind == "F") lag <- lag - k else diff <- diff + k
      }
      pos <<- pos + nchar(ops)
    }
    name <- match_at("[A-Za-z_][A-Za-z0-9_]*")
    if (is.null(name)) fail(if (nzchar(peek())) "expected a column name" else "unexpected end of term")
    pos <<- pos + nchar(name)
    if (peek() == "(" && pos - nchar(name) == start) {
      if (is.null(term_functions[[name]])) fail(sprintf("unknown function \"%s\"", name))
      pos <<- pos + 1L
      arg <- sum_()
      if (peek() != ")") fail("missing ')'")
      pos <<- pos + 1L
      return(list(kind = "call", fn = name, arg = arg))
    }
    differenced(name, lag, diff)
  }
  root <- sum_()
  if (pos <= nchar(src)) fail(sprintf("unexpected \"%s\"", substring(src, pos)))
  structure(list(name = src, root = root), class = "thresher_term")
}

# differenced is D^diff of the column lagged lag periods: D.x = x - L.x.
differenced <- function(column, lag, diff) {
  if (diff == 0L) return(list(kind = "variable", column = column, lag = lag))
  list(kind = "binary", op = "-", left = differenced(column, lag, diff - 1L),
       right = differenced(column, lag + 1L, diff - 1L))
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
      call = walk(n$arg),
      data.frame(column = character(), lag = integer()))
  }
  unique(walk(term$root))
}

# eval_term evaluates a term (a factor variable's level); value(column, lag)
# returns a numeric vector.
eval_term <- function(term, value) {
  ev <- function(n) {
    switch(n$kind,
      number = n$value,
      variable = value(n$column, n$lag),
      power = ev(n$base)^n$exp,
      call = term_functions[[n$fn]](ev(n$arg)),
      binary = switch(n$op, "/" = ev(n$left) / ev(n$right), "-" = ev(n$left) - ev(n$right), ev(n$left) * ev(n$right)))
  }
  ev(term$root)
}
