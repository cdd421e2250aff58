library(testthat)
library(thresher)

test_check("thresher")
