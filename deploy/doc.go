// Package deploy holds thresher's deployment artefacts and the tests that
// keep them honest; it has no code of its own.
//
//   - Dockerfile (+ Dockerfile.dockerignore): the container image, built
//     from the repository root by `make image`.
//   - prometheus/: a scrape configuration for a local cluster, recording
//     and alerting rules, and their promtool unit tests.
//   - grafana/dashboard.json: the Grafana dashboard (a copy ships in the
//     kustomize tree under k8s/base/grafana/).
//   - demo.sh: a local cluster with a real Prometheus (`make demo`).
//
// The tests parse the dashboard and the rules strictly and check every
// metric, label and label value their queries use against what a real
// coordinator and worker export (started in-process, after a small job),
// so renaming a metric in the code breaks the build instead of a
// dashboard. An integration test scrapes the built binary with a real
// Prometheus server and checks that the throughput query is positive.
package deploy
