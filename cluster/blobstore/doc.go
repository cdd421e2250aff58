// Package blobstore keeps thresher's data plane, datasets and results, in
// an object store through gocloud.dev/blob, so that etcd holds only their
// addresses, SHA-256 hashes and sizes (docs: DESIGN §5a, "etcd is the
// control plane, not the data plane").
//
// Objects are content-addressed: Put stores data under DIR/<sha256> and
// returns a Ref, the hash and size that etcd keeps; Get verifies both on
// every read, so that a truncated or altered object is an error, never a
// wrong number. Storing an object that exists writes nothing.
//
// Two drivers are linked: file:// (fileblob: a directory that exists, e.g.
// file:///var/lib/thresher/blobs; add ?no_tmp_dir=true when the system's
// temporary directory is on another file system, and ?metadata=skip to
// write no .attrs files beside the objects) and s3://
// (s3blob: AWS S3, MinIO or any S3-compatible server). An s3:// URL names
// the bucket and takes gocloud's query options, for example
//
//	s3://thresher?region=us-east-1&endpoint=http://minio:9000&use_path_style=true
//
// with credentials from the standard AWS environment variables
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) or the other
// sources of the AWS SDK's default chain (shared config files, web
// identity, instance roles).
//
// A Store may keep a bounded on-disk cache of the objects it reads
// (Options.CacheDir): a worker then fetches a dataset from the store once,
// even after its parsed table left the in-memory cache (cluster/prepared).
package blobstore
