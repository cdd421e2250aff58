test_that("every number equals the command line's JSON", {
  fit <- hansen_fit()
  want <- jsonlite::fromJSON(cli(c(hansen_flags, "--format=json")), simplifyVector = FALSE)
  expect_identical(fit$json, want)
  coefs <- want$coefficients
  num <- function(xs, key) vapply(xs, function(x) as.numeric(x[[key]]), numeric(1))
  expect_identical(unname(coef(fit)), num(coefs, "estimate"))
  expect_identical(unname(sqrt(diag(vcov(fit)))), num(coefs, "se"))
  expect_identical(unname(sqrt(diag(vcov(fit, vce = "robust")))), num(coefs, "se_robust"))
  expect_identical(unname(sqrt(diag(vcov(fit, vce = "cluster")))), num(coefs, "se_cluster"))
  td <- tidy(fit)
  expect_identical(td$estimate, num(coefs, "estimate"))
  expect_identical(td$std.error, num(coefs, "se"))
  expect_identical(tidy(fit, vce = "cluster")$std.error, num(coefs, "se_cluster"))
  intervals <- unlist(lapply(want$stages, `[[`, "intervals"), recursive = FALSE)
  expect_identical(rownames(fit$thresholds), c("Th-1", "Th-21", "Th-22", "Th-3"))
  expect_identical(fit$thresholds$threshold, num(intervals, "threshold"))
  expect_identical(fit$thresholds$lower, num(intervals, "lower"))
  expect_identical(fit$thresholds$upper, num(intervals, "upper"))
  gl <- glance(fit)
  expect_identical(nrow(gl), 1L)
  expect_identical(gl$nobs, as.integer(want$n_obs_used))
  expect_identical(nobs(fit), as.integer(want$n_obs_used))
  for (k in 1:3) {
    st <- want$stages[[k]]
    expect_identical(gl[[paste0("f_stat", k)]], st$f_stat)
    expect_identical(gl[[paste0("p_value", k)]], as.numeric(st$bootstrap$p_value))
    expect_identical(fit$tests$crit5[k], st$bootstrap$crit5)
  }
})

test_that("the README's numbers are the fit's", {
  fit <- hansen_fit()
  readme <- file.path(repo_root(), "clients", "r", "thresher", "README.md")
  text <- paste(readLines(readme), collapse = "\n")
  th <- fit$thresholds
  shown <- list("0.0157" = th["Th-21", "threshold"], "0.01392" = th["Th-21", "lower"],
                "0.01806" = th["Th-21", "upper"], "0.53616" = th["Th-22", "threshold"],
                "0.53049" = th["Th-22", "lower"], "0.56287" = th["Th-22", "upper"],
                "32.649894" = fit$tests$f_stat[1], "25.799434" = fit$tests$f_stat[2],
                "4.1814091" = fit$tests$f_stat[3], "0.0619575" = coef(fit)[["L.c (regime 0)"]],
                "0.0951" = coef(fit)[["L.c (regime 1)"]], "0.1111" = coef(fit)[["L.c (regime 2)"]],
                "0.0441" = coef(fit)[["L.c (regime 3)"]])
  for (s in names(shown)) {
    decimals <- nchar(sub(".*\\.", "", s))
    expect_identical(round(shown[[s]], decimals), as.numeric(s), label = s)
    expect_true(grepl(s, text, fixed = TRUE), label = paste("README shows", s))
  }
})

test_that("confint, t and p equal the text report's digits for each vce", {
  invest <- read.csv(invest_path())
  flags <- sub("--convention=hansen", "--convention=xthreg", sub("--bs=20", "--bs=0", hansen_flags))
  for (vce in c("conventional", "robust", "cluster")) {
    fit <- do.call(xthreg, c(list(invest), modifyList(hansen_args, list(bs = 0, convention = "xthreg")),
                             vce = vce, binary = test_binary()))
    lines <- strsplit(cli(c(flags, paste0("--vce=", vce))), "\n")[[1]]
    td <- tidy(fit)
    labels <- names(coef(fit))
    for (i in seq_along(labels)) {
      line <- lines[trimws(sub("\\|.*", "", lines)) == labels[i]]
      expect_length(line, 1)
      v <- as.numeric(strsplit(trimws(sub(".*\\|", "", line)), "[[:space:]]+")[[1]])
      expect_identical(sprintf("%.7f", td$estimate[i]), sprintf("%.7f", v[1]))
      expect_identical(sprintf("%.7f", td$std.error[i]), sprintf("%.7f", v[2]))
      expect_identical(sprintf("%.2f", td$statistic[i]), sprintf("%.2f", v[3]))
      expect_identical(sprintf("%.3f", td$p.value[i]), sprintf("%.3f", v[4]))
      expect_identical(sprintf("%.7f", td$conf.low[i]), sprintf("%.7f", v[5]), label = paste(vce, labels[i]))
      expect_identical(sprintf("%.7f", td$conf.high[i]), sprintf("%.7f", v[6]))
    }
    expect_identical(unname(confint(fit)[, 1]), td$conf.low)
  }
})

test_that("vcov is the JSON's symmetric covariance matrix", {
  v <- vcov(hansen_fit())
  expect_identical(rownames(v), names(coef(hansen_fit())))
  expect_identical(colnames(v), names(coef(hansen_fit())))
  expect_true(all(is.finite(v)))
  expect_equal(v, t(v), tolerance = 1e-12)
})

test_that("predict's residuals give the final stage's RSS", {
  invest <- read.csv(invest_path())
  for (convention in c("xthreg", "hansen")) {
    fit <- do.call(xthreg, c(list(invest), modifyList(hansen_args, list(thnum = 2, trim = 0.01, bs = 0,
                                                                          convention = convention)),
                             binary = test_binary()))
    p <- predict(fit, type = "all")
    first <- invest$year == ave(invest$year, invest$id, FUN = min)
    expect_true(all(is.na(p$fitted[first])))
    used <- !is.na(p$fitted)
    expect_identical(sum(used), fit$nobs + if (convention == "hansen") fit$n_units else 0L)
    if (convention == "hansen") used <- used & invest$year != ave(invest$year, invest$id, FUN = max)
    rss <- sum((invest$i - p$fitted)[used]^2)
    expect_equal(rss, fit$json$stages[[2]]$rss, tolerance = 1e-10)
    expect_identical(predict(fit), setNames(p$fitted, rownames(p)))
    lag <- ave(invest$d, invest$id, FUN = function(x) c(NA, head(x, -1)))
    g <- fit$final_thresholds
    below <- if (convention == "hansen") `<` else `<=`
    want <- ifelse(below(lag, g[1]), 0L, ifelse(below(lag, g[2]), 1L, 2L))
    expect_identical(p$regime[used], want[used])
  }
})

test_that("predict evaluates period effects, differences and functions", {
  invest <- read.csv(invest_path())
  fit <- xthreg(invest, depvar = "i", indep = c("L.q", "LD.q", "abs(L.d)", "ib1980.year"), rx = "L.c", qx = "L.d",
                thnum = 1, trim = 0.05, bs = 0, binary = test_binary())
  expect_true("1975.year" %in% fit$coefficients$term)
  expect_false("1980.year" %in% fit$coefficients$term)
  p <- predict(fit, type = "all")
  used <- !is.na(p$fitted)
  expect_identical(sum(used), fit$nobs)
  expect_equal(sum((invest$i - p$fitted)[used]^2), fit$json$stages[[1]]$rss, tolerance = 1e-10)
})

test_that("thresher's errors are R errors with its message", {
  invest <- read.csv(invest_path())
  cases <- list(list(args = list(qx = "nope"), status = 1L, message = "unknown column \"nope\""),
                list(args = list(trim = 0.7), status = 2L, message = "--trim"))
  for (case in cases) {
    args <- modifyList(list(depvar = "i", indep = "L.q", rx = "L.c", qx = "L.d", bs = 0, grid = 50), case$args)
    err <- tryCatch(do.call(xthreg, c(list(invest), args, binary = test_binary())), error = function(e) e)
    expect_s3_class(err, "thresher_error")
    expect_identical(err$status, case$status)
    expect_match(conditionMessage(err), case$message, fixed = TRUE)
    expect_false(grepl("thresher: ", conditionMessage(err), fixed = TRUE))
  }
  expect_error(xthreg(invest, "i", "L.q", "L.c", "L.d", binary = tempfile()), "not found")
})

test_that("plot draws the LR curves and the bootstrap distribution", {
  invest <- read.csv(invest_path())
  fit <- xthreg(invest, "i", "L.q", "L.c", "L.d", grid = 50, bs = 5, save_draws = TRUE, binary = test_binary())
  expect_length(unlist(fit$json$stages[[1]]$bootstrap$draws), 5)
  file <- tempfile(fileext = ".pdf")
  grDevices::pdf(file)
  plot(fit)
  plot(fit, which = "bootstrap")
  grDevices::dev.off()
  expect_gt(file.size(file), 1000)
  expect_error(plot(hansen_fit(), which = "bootstrap"), "save_draws")
})

test_that("the CSV written for thresher keeps every digit", {
  d <- data.frame(id = c("a", "b"), year = 1:2, x = c(0.1, 1 / 3), y = c(NA, 2))
  path <- tempfile(fileext = ".csv")
  thresher:::write_csv(d, path)
  back <- read.csv(path)
  expect_identical(back$x, d$x)
  expect_identical(readLines(path)[2], "\"a\",1,0.10000000000000001,")
})

test_that("THRESHER_* variables cannot change the model", {
  invest <- read.csv(invest_path())
  fit <- function() xthreg(invest, "i", "L.q", "L.c", "L.d", grid = 50, bs = 5, binary = test_binary())$json
  want <- fit()
  vars <- c(THRESHER_XTHREG_SEED = "7", THRESHER_XTHREG_GRID = "20", THRESHER_LEVEL = "90",
            THRESHER_CONVENTION = "hansen", THRESHER_XTHREG_TRIM = "0.2", THRESHER_VCE = "cluster",
            THRESHER_BOOTSTRAP_REFINE = "true")
  do.call(Sys.setenv, as.list(vars))
  on.exit(Sys.unsetenv(names(vars)))
  expect_identical(fit(), want)
})

test_that("vce and bootstrap_refine reach the model", {
  invest <- read.csv(invest_path())
  fit <- xthreg(invest, "i", "L.q", "L.c", "L.d", thnum = 3, grid = 50, trim = 0.05, bs = c(0, 0, 3),
                vce = "cluster", bootstrap_refine = TRUE, binary = test_binary())
  expect_identical(fit$json$model$vce, "cluster")
  expect_true(fit$json$model$bootstrap_refine)
  expect_null(fit$json$heteroskedasticity)
  expect_gt(fit$json$stages[[1]]$intervals[[1]]$eta2, 0)
})
