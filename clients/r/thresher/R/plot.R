# plot: the LR curves of the thresholds with the critical value, or the
# bootstrap distribution of each stage's F statistic (needs save_draws).

lr_critical <- function(level) -2 * log(1 - sqrt(level))

plot.thresher_xthreg <- function(x, which = c("lr", "bootstrap"), stage = NULL, ...) {
  which <- match.arg(which)
  stages <- x$json$stages
  if (!is.null(stage)) stages <- stages[stage]
  level <- num(x$model$level)
  if (which == "lr") {
    curves <- unlist(lapply(stages, function(st) lapply(st$lr_curves, function(cv) {
      pts <- matrix(unlist(cv$points), ncol = 2, byrow = TRUE)
      list(x = pts[, 1], y = pts[, 2], label = sprintf("stage %d, threshold %.6g", st$k, num(cv$threshold)))
    })), recursive = FALSE)
    crit <- lr_critical(level)
    old <- par(mar = c(8, 4, 1, 1) + 0.1, xpd = FALSE)
    on.exit(par(old))
    plot(range(unlist(lapply(curves, `[[`, "x"))), range(c(0, crit, unlist(lapply(curves, `[[`, "y")))),
         type = "n", xlab = sprintf("threshold (%s)", x$model$qx), ylab = "LR statistic", ...)
    for (i in seq_along(curves)) lines(curves[[i]]$x, curves[[i]]$y, col = i)
    abline(h = crit, lty = 2)
    par(xpd = NA)
    legend("top", inset = c(0, 1.18), ncol = 2, bty = "n", cex = 0.8,
           legend = c(vapply(curves, `[[`, character(1), "label"),
                      sprintf("%s%% critical value %.2f", format(100 * level), crit)),
           col = c(seq_along(curves), 1), lty = c(rep(1, length(curves)), 2))
  } else {
    draws <- lapply(stages, function(st) unlist(st$bootstrap$draws))
    if (any(vapply(draws, length, integer(1)) == 0L)) {
      stop("plot(which = \"bootstrap\") needs the bootstrap draws: fit with save_draws = TRUE and bs > 0", call. = FALSE)
    }
    old <- par(mfrow = c(1, length(stages)))
    on.exit(par(old))
    for (i in seq_along(stages)) {
      f <- num(stages[[i]]$f_stat)
      hist(draws[[i]], breaks = 30, main = sprintf("%s: F = %.4g", stage_name(stages[[i]]$k), f),
           xlab = "bootstrap F*", xlim = range(c(draws[[i]], f)), ...)
      abline(v = f, lty = 2)
    }
  }
  invisible(x)
}
