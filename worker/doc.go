// Package worker executes the tasks of thresher jobs.
//
// A worker serves the gRPC Worker service on its listen address and
// registers <prefix>/workers/<id> -> {address, slots, version} in etcd under a
// lease kept alive while it runs; when the lease is lost (etcd unreachable
// for longer than its TTL) it registers again. The leading coordinator opens
// one Work stream to it and sends tasks; the worker runs up to Slots of them
// at a time and streams results back. A task names its dataset by SHA-256:
// the worker reads it from etcd once and caches it, and caches each prepared
// model, so that the many tasks of a bootstrap pay for parsing and
// validation once.
//
// Shutdown (Run's context cancelled, e.g. on SIGTERM) drains: the worker
// tells the coordinator it is draining, refuses new tasks, lets the tasks in
// flight finish for up to DrainTimeout, hands back the rest by closing its
// streams, then deletes its registration and stops the server.
package worker
