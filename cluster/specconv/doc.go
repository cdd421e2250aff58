// Package specconv converts model specifications between the estimator
// types and their protobuf form. A round trip is exact, so a model run on a
// cluster is the model the client specified, float for float.
package specconv
