value <- function(column, lag) list(q = c(1, 2, 3), d = c(0.5, 0.25, 2))[[column]] + 10 * lag

test_that("terms parse and evaluate as thresher's", {
  cases <- list(
    list("q", "q", 0L, c(1, 2, 3)), list("L.q", "q", 1L, c(11, 12, 13)),
    list("l2.q", "q", 2L, c(21, 22, 23)), list("L.q^2", "q", 1L, c(121, 144, 169)),
    list("(q)^3/100", "q", 0L, c(0.01, 0.08, 0.27)), list("q*d", c("q", "d"), c(0L, 0L), c(0.5, 0.5, 6)),
    list("q * q / 2", "q", 0L, c(0.5, 2, 4.5)), list("2.5e1*q", "q", 0L, c(25, 50, 75)),
    list("D.q", c("q", "q"), c(0L, 1L), c(-10, -10, -10)), list("LD.q", c("q", "q"), c(1L, 2L), c(-10, -10, -10)),
    list("F.q", "q", -1L, c(-9, -8, -7)), list("D2.q", c("q", "q", "q"), c(0L, 1L, 2L), c(0, 0, 0)),
    list("ln(q)", "q", 0L, log(c(1, 2, 3))), list("sqrt(L.q)*abs(F.d)", c("q", "d"), c(1L, -1L), sqrt(c(11, 12, 13)) * c(9.5, 9.75, 8)),
    list("i.q", "q", 0L, c(1, 2, 3)))
  for (case in cases) {
    term <- thresher:::parse_term(case[[1]])
    refs <- thresher:::term_refs(term)
    expect_identical(refs$column, case[[2]], label = case[[1]])
    expect_identical(refs$lag, case[[3]], label = case[[1]])
    expect_equal(thresher:::eval_term(term, value), case[[4]], tolerance = 1e-15, label = case[[1]])
  }
})

test_that("bad terms are errors", {
  for (bad in c("", "q^0", "q^17", "(q", "q+d", "L.", "q)", "foo(q)", "ln(q", "i.q*d")) {
    expect_error(thresher:::parse_term(bad), label = bad)
  }
})

test_that("factor variables are recognised", {
  expect_identical(thresher:::parse_term("i.year")$factor, list(column = "year", base = NULL))
  expect_identical(thresher:::parse_term("ib2009.year")$factor, list(column = "year", base = 2009))
  expect_null(thresher:::parse_term("id")$factor)
})
