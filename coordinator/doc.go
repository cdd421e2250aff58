// Package coordinator runs thresher jobs on a cluster of workers.
//
// Every coordinator serves the Jobs API (upload, submit, watch, cancel); job
// specifications, datasets, progress, finished tasks and results live in
// etcd, so any coordinator can answer any client. One coordinator leads,
// chosen by an etcd election; the others wait in the election. The leader:
//
//   - watches <prefix>/workers/ and keeps one Work stream open to every
//     registered worker (scheduler.go);
//   - runs each queued job (runner.go): the point estimates as profile tasks
//     over shards of the candidate grid, stage by stage (each stage waits for
//     the estimates of the one before), then the bootstrap of every stage as
//     tasks over ranges of replications, sized from the workers' observed
//     speed to last about TaskTarget;
//   - dispatches tasks to free worker slots with a deadline, and requeues a
//     task when its worker's lease is lost, its stream breaks, its deadline
//     passes or it reports a transient error;
//   - records each finished task in etcd before using it, so that a new
//     leader resumes a job from what is done (slots.go);
//   - merges results into exactly the JSON of `thresher xthreg`.
//
// Replication r's statistic depends only on the job and r, so the first
// result for a slot wins; a later result that differs is an error that is
// logged and counted. The result is therefore byte-identical whatever the
// number of workers, the task sizes or the failures.
package coordinator
