package keys

import (
	"fmt"
	"strings"
)

// Prefix is the root of a cluster's keys, without a trailing slash.
type Prefix string

// Default is the prefix used when none is configured.
const Default Prefix = "/thresher"

func (p Prefix) join(parts ...string) string {
	return strings.TrimSuffix(string(p), "/") + "/" + strings.Join(parts, "/")
}

// ClusterID is the key of the id of the cluster that owns the prefix
// (package identity).
func (p Prefix) ClusterID() string { return p.join("cluster-id") }

// Workers is the directory of worker registrations.
func (p Prefix) Workers() string { return p.join("workers") + "/" }

// Worker is the registration key of one worker.
func (p Prefix) Worker(id string) string { return p.join("workers", id) }

// Election is the prefix of the coordinators' leader election.
func (p Prefix) Election() string { return p.join("election") }

// DatasetMeta is the key of a dataset's reference (SHA-256 and size),
// written once the object is stored.
func (p Prefix) DatasetMeta(sha string) string { return p.join("datasets", sha, "meta") }

// objects is the prefix of the cluster's objects in the blob store: the
// etcd prefix without its leading slash.
func (p Prefix) objects(parts ...string) string {
	return strings.TrimPrefix(p.join(parts...), "/")
}

// DatasetObjects is the blob store directory of datasets, each stored under
// its SHA-256.
func (p Prefix) DatasetObjects() string { return p.objects("datasets") }

// ResultObjects is the blob store directory of a job's results, each
// stored under its SHA-256: deleting a job deletes its directory, never
// another job's identical result.
func (p Prefix) ResultObjects(id string) string { return p.objects("jobs", id, "results") }

// Datasets is the directory of stored datasets.
func (p Prefix) Datasets() string { return p.join("datasets") + "/" }

// Dataset is the directory of one stored dataset.
func (p Prefix) Dataset(sha string) string { return p.join("datasets", sha) + "/" }

// DatasetRefs is the directory of the references to datasets: one key per
// dataset and job that uses it.
func (p Prefix) DatasetRefs() string { return p.join("datarefs") + "/" }

// DatasetUsers is the directory of the jobs that use a dataset.
func (p Prefix) DatasetUsers(sha string) string { return p.join("datarefs", sha) + "/" }

// DatasetRef is the key recording that job id uses dataset sha.
func (p Prefix) DatasetRef(sha, id string) string { return p.join("datarefs", sha, id) }

// Job is the directory of a job's specification, checkpoints and results.
func (p Prefix) Job(id string) string { return p.join("jobs", id) + "/" }

// Metas is the directory of the jobs' metadata.
func (p Prefix) Metas() string { return p.join("meta") + "/" }

// JobMeta is the key of a job's metadata: owner, submission time,
// retention, kinds.
func (p Prefix) JobMeta(id string) string { return p.join("meta", id) }

// JobSpec is the key of a job's specification.
func (p Prefix) JobSpec(id string) string { return p.join("jobs", id, "spec") }

// States is the directory of job states, watched by the leader; it is
// separate from Jobs so that the watch does not see every checkpoint.
func (p Prefix) States() string { return p.join("states") + "/" }

// JobState is the key of a job's state.
func (p Prefix) JobState(id string) string { return p.join("states", id) }

// JobDone is the directory of a job's finished tasks.
func (p Prefix) JobDone(id string) string { return p.join("jobs", id, "done") + "/" }

// JobResult is the key of the reference (SHA-256 and size) of the result
// of a job's specification i.

// JobResults is the directory of a job's results.
func (p Prefix) JobResults(id string) string { return p.join("jobs", id, "result") + "/" }

// JobResult is the key of the result of a job's specification i.
func (p Prefix) JobResult(id string, i int) string {
	return p.join("jobs", id, "result", fmt.Sprintf("%04d", i))
}

// WorkerInfo is the value of a worker's registration.
type WorkerInfo struct {
	// Address is where the worker serves gRPC, HOST:PORT.
	Address string `json:"address"`
	// Slots is the number of tasks it runs at once.
	Slots   int    `json:"slots"`
	Version string `json:"version"`
}
