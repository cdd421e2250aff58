# The S3 class thresher_xthreg: thresher's JSON document and tables read
# from it. Every number is the JSON's, unrounded.

constant_name <- "_cons"
vce_columns <- c(conventional = "se", robust = "se_robust", cluster = "se_cluster")

stage_name <- function(k) {
  names <- c("Single", "Double", "Triple", "Quadruple", "Quintuple")
  ifelse(k >= 1 & k <= length(names), names[pmin(pmax(k, 1), length(names))], paste0(k, "-fold"))
}

# coefficient_label labels a coefficient as thresher's text report does:
# "L.c (regime 0)".
coefficient_label <- function(name, regime) {
  ifelse(is.na(regime), name, sprintf("%s (regime %d)", name, as.integer(regime)))
}

num <- function(x) if (is.null(x)) NA_real_ else as.numeric(x)

new_xthreg <- function(doc, data, id, time, vce, call) {
  coefs <- doc$coefficients
  regime <- vapply(coefs, function(c) if (is.null(c$regime)) NA_integer_ else as.integer(c$regime), integer(1))
  name <- vapply(coefs, function(c) c$name, character(1))
  coefficients <- data.frame(
    term = name, regime = regime,
    estimate = vapply(coefs, function(c) num(c$estimate), numeric(1)),
    se = vapply(coefs, function(c) num(c$se), numeric(1)),
    se_robust = vapply(coefs, function(c) num(c$se_robust), numeric(1)),
    se_cluster = vapply(coefs, function(c) num(c$se_cluster), numeric(1)),
    row.names = coefficient_label(name, regime))
  th <- do.call(rbind, lapply(doc$stages, function(st) {
    n <- length(st$intervals)
    data.frame(stage = st$k,
               threshold = vapply(st$intervals, function(i) num(i$threshold), numeric(1)),
               lower = vapply(st$intervals, function(i) num(i$lower), numeric(1)),
               upper = vapply(st$intervals, function(i) num(i$upper), numeric(1)),
               row.names = if (n > 1) sprintf("Th-%d%d", st$k, seq_len(n)) else sprintf("Th-%d", st$k))
  }))
  tests <- do.call(rbind, lapply(doc$stages, function(st) {
    b <- st$bootstrap
    data.frame(k = st$k, name = stage_name(st$k), rss = num(st$rss), mse = num(st$sigma2),
               f_stat = num(st$f_stat), p_value = num(b$p_value), crit10 = num(b$crit10),
               crit5 = num(b$crit5), crit1 = num(b$crit1), reps = if (is.null(b)) 0L else as.integer(b$reps))
  }))
  final <- doc$stages[[length(doc$stages)]]
  structure(list(
    json = doc, call = call, data = data, id = id, time = time, vce = vce,
    model = doc$model, convention = doc$convention, coefficients = coefficients,
    thresholds = th, tests = tests,
    final_thresholds = vapply(final$thresholds, as.numeric, numeric(1)),
    regimes = vapply(final$regimes, as.character, character(1)),
    nobs = as.integer(doc$n_obs_used), n_units = as.integer(doc$n_units),
    n_periods = as.integer(doc$n_periods),
    df_resid = as.integer(doc$n_obs_used) - as.integer(doc$n_units) - sum(name != constant_name)),
    class = "thresher_xthreg")
}

se_of <- function(object, vce = object$vce) {
  vce <- match.arg(vce, names(vce_columns))
  stats::setNames(object$coefficients[[vce_columns[[vce]]]], rownames(object$coefficients))
}

coef.thresher_xthreg <- function(object, ...) {
  stats::setNames(object$coefficients$estimate, rownames(object$coefficients))
}

vce_covariances <- c(conventional = "classical", robust = "robust", cluster = "cluster")

# vcov: the final model's covariance matrix of the chosen vce, as thresher's
# JSON reports it (the square roots of its diagonal are the standard errors).
vcov.thresher_xthreg <- function(object, vce = object$vce, ...) {
  vce <- match.arg(vce, names(vce_covariances))
  rows <- object$json$covariance[[vce_covariances[[vce]]]]
  v <- do.call(rbind, lapply(rows, function(r) vapply(r, num, numeric(1))))
  dimnames(v) <- list(names(coef(object)), names(coef(object)))
  v
}

confint.thresher_xthreg <- function(object, parm, level = 0.95, vce = object$vce, ...) {
  est <- coef(object)
  se <- se_of(object, vce)
  q <- qt(1 - (1 - level) / 2, object$df_resid)
  ci <- cbind(est - q * se, est + q * se)
  pct <- paste(format(100 * c((1 - level) / 2, 1 - (1 - level) / 2), trim = TRUE, scientific = FALSE, digits = 3), "%")
  dimnames(ci) <- list(names(est), pct)
  if (!missing(parm)) ci <- ci[parm, , drop = FALSE]
  ci
}

nobs.thresher_xthreg <- function(object, ...) object$nobs

coef_table <- function(object, vce = object$vce, level = 0.95) {
  est <- coef(object)
  se <- se_of(object, vce)
  t <- est / se
  ci <- confint(object, level = level, vce = vce)
  data.frame(estimate = est, std.error = se, statistic = t,
             p.value = 2 * pt(abs(t), object$df_resid, lower.tail = FALSE),
             conf.low = ci[, 1], conf.high = ci[, 2], row.names = names(est))
}

tidy.thresher_xthreg <- function(x, conf.int = TRUE, conf.level = 0.95, vce = x$vce, ...) {
  tab <- coef_table(x, vce, conf.level)
  out <- data.frame(term = x$coefficients$term, regime = x$coefficients$regime, tab, row.names = NULL)
  if (!conf.int) out <- out[setdiff(names(out), c("conf.low", "conf.high"))]
  out
}

glance.thresher_xthreg <- function(x, ...) {
  final <- x$json$stages[[length(x$json$stages)]]
  out <- data.frame(nobs = x$nobs, n_units = x$n_units, n_periods = x$n_periods,
                    n_thresholds = length(x$final_thresholds), r.squared.within = num(final$r2_within),
                    rss = num(final$rss), sigma2 = num(final$sigma2), linear_rss = num(x$json$linear_rss),
                    df.residual = x$df_resid)
  for (k in seq_len(nrow(x$tests))) {
    out[[paste0("f_stat", k)]] <- x$tests$f_stat[k]
    out[[paste0("p_value", k)]] <- x$tests$p_value[k]
  }
  out
}

print.thresher_xthreg <- function(x, digits = max(3L, getOption("digits") - 3L), ...) {
  m <- x$model
  cat(sprintf("Panel threshold model (%s convention): %s on %s, threshold variable %s\n",
              x$convention, m$depvar, paste(unlist(c(m$indep, m$rx)), collapse = ", "), m$qx))
  cat(sprintf("Units %d, periods %d, observations %d\n\n", x$n_units, x$n_periods, x$nobs))
  cat(sprintf("Thresholds (%s%% LR confidence intervals):\n", format(100 * num(m$level))))
  print(x$thresholds, digits = digits)
  cat("\nThreshold effect tests:\n")
  print(x$tests[-1], digits = digits, row.names = FALSE)
  cat("\nCoefficients:\n")
  print(coef(x), digits = digits)
  invisible(x)
}

summary.thresher_xthreg <- function(object, vce = object$vce, ...) {
  structure(list(fit = object, vce = vce, table = coef_table(object, vce)),
            class = "summary.thresher_xthreg")
}

print.summary.thresher_xthreg <- function(x, digits = max(3L, getOption("digits") - 3L), ...) {
  fit <- x$fit
  print(fit, digits = digits)
  cat(sprintf("\nFixed-effects regression (%s standard errors, residual df %d):\n", x$vce, fit$df_resid))
  tab <- x$table
  names(tab) <- c("Estimate", "Std. Error", "t value", "Pr(>|t|)", "Lower 95%", "Upper 95%")
  print(tab, digits = digits)
  cat(paste0("regime ", seq_along(fit$regimes) - 1L, ": ", fit$regimes, collapse = "\n"), "\n")
  invisible(x)
}
