// Package keys is the layout of thresher's state in etcd, under a prefix
// shared by every coordinator and worker of a cluster (default "/thresher"):
//
//	<prefix>/cluster-id                   the id of the cluster owning the prefix
//	<prefix>/workers/<id>                 worker registration (under a lease)
//	<prefix>/election/                    coordinator leader election
//	<prefix>/datasets/<sha256>/meta       dataset size and chunk count
//	<prefix>/datasets/<sha256>/<i>        gzip-compressed chunks
//	<prefix>/jobs/<id>/spec               the submitted job (protobuf)
//	<prefix>/states/<id>                  the job's state and progress
//	<prefix>/jobs/<id>/done/<task>        finished tasks (checkpoints)
//	<prefix>/jobs/<id>/result/<i>         the result of specification i (gzip JSON)
package keys
