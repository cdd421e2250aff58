// Package inprocess runs a whole thresher cluster inside one process: an
// embedded etcd and a blob store (or Options.BlobURL) in a temporary
// directory, a coordinator and workers, all on loopback and talking real
// gRPC. It is the default of `thresher xthreg`,
// so that a laptop runs exactly the code path of a cluster.
//
// It composes the coordinator and worker packages and sits above them: no
// package below imports it. The coordinator and the workers share one
// registry of model kinds and one cache of datasets and prepared models.
package inprocess
