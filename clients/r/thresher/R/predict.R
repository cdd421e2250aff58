# predict: regimes and fitted values of the final model, row by row.

# evaluate_rows returns y, regime, xb and unit for each row of data.
evaluate_rows <- function(object, data) {
  unit <- data[[object$id]]
  period <- data[[object$time]]
  key <- paste(unit, period, sep = "\r")
  value <- function(column, lag) {
    x <- as.numeric(data[[column]])
    if (lag == 0L) return(x)
    x[match(paste(unit, period - lag, sep = "\r"), key)]
  }
  m <- object$model
  q <- eval_term(parse_term(m$qx), value)
  below <- if (object$convention == "hansen") function(g) q < g else function(g) q <= g
  regime <- integer(length(q))
  for (g in sort(object$final_thresholds)) regime <- regime + !below(g)
  co <- object$coefficients
  xb <- numeric(length(q))
  for (term in parse_terms(unlist(m$indep))) {
    if (is.null(term$factor)) {
      xb <- xb + co$estimate[is.na(co$regime) & co$term == term$name] * eval_term(term, value)
      next
    }
    # thresher's dummies "<level>.<column>", the base level omitted.
    level <- eval_term(term, value)
    suffix <- paste0(".", term$factor$column)
    for (k in which(is.na(co$regime) & endsWith(co$term, suffix))) {
      xb <- xb + co$estimate[k] * (level == as.numeric(substr(co$term[k], 1L, nchar(co$term[k]) - nchar(suffix))))
    }
  }
  for (term in parse_terms(unlist(m$rx))) {
    slopes <- co[!is.na(co$regime) & co$term == term$name, ]
    beta <- slopes$estimate[match(regime, slopes$regime)]
    xb <- xb + beta * eval_term(term, value)
  }
  if (constant_name %in% co$term) xb <- xb + co$estimate[co$term == constant_name]
  xb[is.na(q)] <- NA_real_
  data.frame(unit = unit, y = eval_term(parse_term(m$depvar), value), regime = regime, xb = xb)
}

predict.thresher_xthreg <- function(object, newdata = NULL, type = c("fitted", "xb", "regime", "u", "all"), ...) {
  type <- match.arg(type)
  own <- evaluate_rows(object, object$data)
  used <- !is.na(own$xb) & !is.na(own$y)
  counts <- table(own$unit[used])
  keep <- used & own$unit %in% names(counts)[counts > 1]
  u <- tapply(own$y[keep] - own$xb[keep], as.character(own$unit[keep]), mean)
  rows <- if (is.null(newdata)) own else evaluate_rows(object, newdata)
  ok <- !is.na(rows$xb)
  if (is.null(newdata)) ok <- ok & keep
  out <- data.frame(regime = ifelse(ok, rows$regime, NA_integer_),
                    xb = ifelse(ok, rows$xb, NA_real_),
                    u = ifelse(ok, unname(u[as.character(rows$unit)]), NA_real_))
  out$fitted <- out$xb + out$u
  rownames(out) <- rownames(if (is.null(newdata)) object$data else newdata)
  if (type == "all") out else stats::setNames(out[[type]], rownames(out))
}
