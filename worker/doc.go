// Package worker executes the tasks of thresher jobs.
//
// A worker serves the gRPC Worker service on its listen address and
// registers <prefix>/workers/<id> -> {address, slots, version} in etcd under a
// lease kept alive while it runs; when the lease is lost (etcd unreachable
// for longer than its TTL) it registers again. The leading coordinator opens
// one Work stream to it and sends tasks; the worker runs up to Slots of them
// at a time and streams results back. A task names its job, one of the
// job's specifications, a task family of the specification's model kind
// and a range of slots: the worker reads the job's specification from etcd
// once, decodes it with its registry of kinds (package model), and caches
// the dataset and each prepared model (package prepared), so that the many
// tasks of a bootstrap pay for parsing and validation once. The worker does
// not know what a model computes: the kind's Model.Execute does.
//
// Shutdown (Run's context cancelled, e.g. on SIGTERM) drains: the worker
// tells the coordinator it is draining, refuses new tasks, lets the tasks in
// flight finish for up to DrainTimeout, hands back the rest by closing its
// streams, then deletes its registration and stops the server.
package worker
