// Package etcdtest starts a real embedded etcd for tests: a fresh member in
// the test's temporary directory on 127.0.0.1, with fast elections, stopped
// when the test ends.
package etcdtest
