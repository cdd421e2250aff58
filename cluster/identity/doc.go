// Package identity ties coordinators and workers to one cluster.
//
// A cluster has an id, created with its CA by 'thresher certs' (NewID) and
// carried by the CA and every certificate it signs as the URI SAN
// thresher://<id> (URI, FromCertificate, ReadCertificate). A coordinator or worker claims
// its etcd prefix for its cluster on start (Claim): the first process
// stores the id under the prefix (keys.Prefix.ClusterID), and every later
// one, of this cluster or another, must present the same id or stops with
// ErrOtherCluster, so that a process pointed at another cluster's etcd and
// prefix never joins it. Two clusters share one etcd under two prefixes.
package identity
