// Package specconv converts model specifications between the estimator
// types and their protobuf form. A round trip is exact, so a model run on a
// cluster is the model the client specified, float for float. Work and
// CheckWork estimate and bound a job's cost, the same way in the client and
// the coordinator.
package specconv
