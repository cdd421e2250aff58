// Package coordinator runs thresher jobs on a cluster of workers.
//
// Every coordinator serves the Jobs API (upload, submit, watch, cancel,
// list, get, delete; a job records the token name that submitted it, and
// only that name or an admin may see or manage it, lifecycle.go); job
// specifications, progress and finished tasks live in etcd, datasets and
// results in the blob store (package cluster/blobstore) with their
// references in etcd, so any coordinator can answer any client. One
// coordinator leads, chosen by an etcd election; the others wait in the
// election. The leader stops leading half a lease after the last renewal
// etcd confirmed, so that one cut off from etcd has stopped before etcd can
// elect another (leaseguard.go); a job watch through a coordinator that
// cannot read etcd ends with Unavailable, so that the client moves to
// another. The leader:
//
//   - watches <prefix>/workers/ and keeps one Work stream open to every
//     registered worker (scheduler.go);
//   - runs each queued job (runner.go), its specifications a few at a
//     time in order (two per worker slot, at most MaxActiveSpecs): every
//     specification is decoded with the coordinator's registry of model
//     kinds (package model), prepared on the dataset, and its model's Lead
//     runs the kind's procedure, asking for task families (for a threshold
//     model: profiles over the candidate grid stage by stage, then every
//     stage's bootstrap replications); a family is cut into tasks over
//     ranges of slots, sized from the workers' observed speed to last
//     about TaskTarget unless the kind fixes the size (the coordinator does
//     not know what a model computes);
//   - dispatches tasks to free worker slots with a deadline, and requeues a
//     task when its worker's lease is lost, its stream breaks (keepalive
//     pings find a stream a partition cut), its deadline passes or it
//     reports a transient error;
//   - records each finished task in etcd before using it, so that a new
//     leader resumes a job from what is done (slots.go);
//   - merges task results in slot order and stores the JSON document that
//     Lead returns (for a threshold model, exactly that of `thresher xthreg`)
//     in the blob store, then its reference in etcd, then deletes the job's
//     checkpoints;
//   - keeps etcd bounded (janitor.go): deletes finished jobs (and their
//     result objects) after their retention and datasets no job references
//     (reference and object), compacts etcd's history on a schedule, and
//     recovers from etcd's NOSPACE alarm by compacting, defragmenting and
//     disarming it once space is freed (Submit refuses jobs meanwhile with
//     ErrNoSpaceMessage).
//
// Replication r's statistic depends only on the job and r, so the first
// result for a slot wins; a later result that differs is an error that is
// logged and counted. The result is therefore byte-identical whatever the
// number of workers, the task sizes or the failures.
package coordinator
