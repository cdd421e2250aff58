// Package datastore keeps datasets, content-addressed by the SHA-256 of
// their bytes, so that every coordinator and worker of a cluster reads
// every dataset and a restarted coordinator still has the datasets of its
// jobs. The bytes are an object in the blob store (cluster/blobstore); etcd
// keeps only the dataset's reference, SHA-256 and size, written after the
// object and so marking a complete dataset (layout: cluster/keys).
package datastore
