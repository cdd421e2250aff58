// Package clustertest is the harness of thresher's integration and
// end-to-end tests, in the style of etcd's tests/framework:
//
//   - Etcd starts an embedded etcd member in the test's temporary
//     directory on 127.0.0.1 (fast elections) and PutDataset stores a
//     dataset in it, for tests of one component with real etcd;
//   - Binary builds cmd/thresher once per test binary, and Start runs it
//     (or another program) as a process whose output is collected and
//     matched (Proc.WaitFor), stopped when the test ends (SIGTERM, then
//     SIGKILL after 10 s);
//   - Cluster runs etcd, coordinators and any number of workers as
//     processes of the binary, with fault injection: Proc.Kill (SIGKILL),
//     restarts (Cluster.StartEtcd, Cluster.Coordinator on the same address,
//     Cluster.Worker), and Drain ('thresher worker drain' on a worker's
//     control socket, as the Kubernetes preStop hook runs it).
//
// Everything listens on 127.0.0.1, lives in t.TempDir() and is cleaned up
// with t.Cleanup. The package imports neither the coordinator nor the
// worker package, so that their own tests can use it.
package clustertest
