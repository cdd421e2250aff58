// Package datastore keeps datasets in etcd, content-addressed by the SHA-256
// of their bytes, so that every coordinator can serve every dataset and a
// restarted coordinator still has the datasets of its jobs. Datasets are
// gzip-compressed and split into chunks below etcd's request size limit;
// the metadata key is written last and marks a complete dataset.
package datastore
