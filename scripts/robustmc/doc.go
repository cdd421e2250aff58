// Command robustmc is the size study of the robust threshold test and of
// the refined bootstrap (docs/threshold-model.md §11.4): it draws panels from
// a design with streams of package stream, estimates each in this process
// and prints the share of replications whose test rejects at 10%, 5% and
// 1% (design one: the coverage of the confidence set). scripts/robust-size.sh
// runs the designs the document reports.
//
//	go run ./scripts/robustmc -design het -vce cluster -mc 500 -bs 199
//
// Designs (n units, T periods, x and q standard normal and uniform, unit
// effects standard normal, y = mu_i + slope(q) x + e):
//
//	het   no threshold, slope 1, e ~ N(0, 0.25 + x^2): the variance of the
//	      error grows with the regressor whose slope is tested (stage 1)
//	iid   no threshold, slope 1, e ~ N(0, 1) (stage 1)
//	two   two thresholds at q = 0.3 and 0.7, slopes 0, a, 2a (a: -effect),
//	      e ~ N(0, 1): the stage-3 test of two against three thresholds
//	one   one threshold at q = 0.5, slopes 1 and 1 + a, e ~ N(0, 0.25 + x^2):
//	      the coverage of the threshold's 95% confidence set (no bootstrap)
package main
