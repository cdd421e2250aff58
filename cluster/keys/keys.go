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

// DatasetMeta is the key of a dataset's metadata, written last.
func (p Prefix) DatasetMeta(sha string) string { return p.join("datasets", sha, "meta") }

// DatasetChunk is the key of chunk i of a dataset.
func (p Prefix) DatasetChunk(sha string, i int) string {
	return p.join("datasets", sha, fmt.Sprintf("%06d", i))
}

// JobSpec is the key of a job's specification.
func (p Prefix) JobSpec(id string) string { return p.join("jobs", id, "spec") }

// States is the directory of job states, watched by the leader; it is
// separate from Jobs so that the watch does not see every checkpoint.
func (p Prefix) States() string { return p.join("states") + "/" }

// JobState is the key of a job's state.
func (p Prefix) JobState(id string) string { return p.join("states", id) }

// JobDone is the directory of a job's finished tasks.
func (p Prefix) JobDone(id string) string { return p.join("jobs", id, "done") + "/" }

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
