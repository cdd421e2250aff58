// Package prepared caches what every task of a job shares: parsed datasets,
// by SHA-256 and the schema they were read for (model.SchemaOf; none: the
// text of every column), and prepared models, by (dataset SHA-256, kind, SHA-256 of
// the specification's canonical encoding). A coordinator validates and
// leads jobs from it and a worker executes tasks from it; in one process
// (the in-process cluster) they share one Cache, so that a model is
// prepared once. A parsed dataset is held only while a caller uses it (a
// prepared model keeps the columns it needs): it is parsed again only when
// a model must be prepared again.
package prepared
