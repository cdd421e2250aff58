// Package local runs a whole thresher cluster inside one process: an
// embedded etcd in a temporary directory, a coordinator and workers, all on
// loopback and talking real gRPC. It is the default of `thresher xthreg`,
// so that a laptop runs exactly the code path of a cluster, and the harness
// of integration tests.
package local
