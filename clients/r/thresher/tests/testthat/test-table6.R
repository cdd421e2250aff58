# The applied paper's Table 6 on `thresher simulate provinces --seed 1`:
# xthreg on the data `thresher paper --write-panel` writes gives the paper's
# threshold results and Table 6's numbers exactly.

test_that("Table 6 equals the command line's", {
  bin <- test_binary()
  dir <- tempfile("paper")
  dir.create(dir)
  on.exit(unlink(dir, recursive = TRUE))
  run <- function(args) {
    status <- system2(bin, shQuote(args), stdout = FALSE, stderr = FALSE)
    expect_identical(status, 0L)
  }
  run(c("simulate", "provinces", "--seed=1", paste0("--out=", dir)))
  spec <- file.path(dir, "spec.yaml")
  writeLines(c("mediation: {reps: 20, seed: 3}", "threshold: {bs: 20}"), spec)
  panel_csv <- file.path(dir, "panel.csv")
  out <- file.path(dir, "out")
  run(c("paper", paste0("--data=", file.path(dir, "provinces.csv")), paste0("--spec=", spec),
        paste0("--out=", out), paste0("--write-panel=", panel_csv)))

  panel <- read.csv(panel_csv)
  table6 <- jsonlite::fromJSON(file.path(out, "table6.json"), simplifyVector = FALSE)
  for (model in table6$models) {
    q <- model$qx
    fit <- thresher::xthreg(panel, depvar = "lncie", indep = c("lnpgdp", "lnopen", "lnes", "lncap", "i.year"),
                            rx = "lndig", qx = q, id = "province", time = "year", thnum = 3, grid = 300,
                            trim = 0.01, bs = 20, seed = 1, save_draws = TRUE, binary = bin)
    want <- jsonlite::fromJSON(file.path(out, paste0("threshold_", q, ".json")), simplifyVector = FALSE)
    expect_identical(fit$json, want, label = q)
    for (t in model$tests) {
      expect_identical(fit$tests$f_stat[t$k], t$f_stat)
      expect_identical(fit$tests$p_value[t$k], as.numeric(t$p_value))
    }
    chosen <- unlist(fit$json$stages[[model$thresholds_chosen]]$thresholds)
    expect_identical(vapply(model$thresholds, function(t) t$threshold, numeric(1)), chosen)
  }
})
