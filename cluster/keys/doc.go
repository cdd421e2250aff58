// Package keys is the layout of thresher's state in etcd, under a prefix
// shared by every coordinator and worker of a cluster (default "/thresher"):
//
//	<prefix>/cluster-id                   the id of the cluster owning the prefix
//	<prefix>/workers/<id>                 worker registration (under a lease)
//	<prefix>/election/                    coordinator leader election
//	<prefix>/datasets/<sha256>/meta       the dataset's reference: SHA-256 and size
//	<prefix>/datarefs/<sha256>/<id>       job <id> uses the dataset (reference count)
//	<prefix>/jobs/<id>/spec               the submitted job (protobuf)
//	<prefix>/meta/<id>                    owner, submission time, retention, kinds (protobuf JobMeta)
//	<prefix>/states/<id>                  the job's state, progress, finish time (protobuf JobEvent)
//	<prefix>/jobs/<id>/done/<task>        finished tasks (checkpoints)
//	<prefix>/jobs/<id>/result/<i>         the reference of specification i's result
//
// Datasets and results themselves are objects in the blob store (package
// cluster/blobstore), named by the SHA-256 of their bytes under the same
// prefix without its leading slash:
//
//	<prefix>/datasets/<sha256>                a dataset's bytes
//	<prefix>/jobs/<id>/results/<sha256>       a result's JSON
//
// A reference is the JSON {"sha256": ..., "size": ...}; it is written after
// its object, so that a reference always names a stored object.
//
// State stays bounded: a job's checkpoints are deleted once it has ended
// and its results are stored; a finished job (spec, meta, state, results,
// result objects) is deleted after its retention (the coordinator's
// --retention, or the job's own); a dataset (reference and object) is
// deleted with the last job that references it, and a dataset no job
// references (an upload never submitted) after a grace period. The leading
// coordinator compacts etcd's history on a schedule.
package keys
