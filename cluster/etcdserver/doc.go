// Package etcdserver runs an embedded etcd server
// (go.etcd.io/etcd/server/v3/embed): the standalone `thresher etcd`, the
// in-process cluster of the local default, and the tests. It may
// defragment its database on a schedule (Config.DefragInterval), which etcd
// does not do by itself.
package etcdserver
