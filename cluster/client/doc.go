// Package client submits jobs to a thresher cluster and follows them to
// their results. It survives coordinator failures: it retries every call
// against the coordinators it knows, re-attaches to its job by id after a
// broken watch, and relies on Submit being idempotent per job id. Until a
// first connection succeeds it waits at most DialTimeout, and a TLS
// mismatch fails at once with its cause (ErrUnknownAuthority,
// ErrServerName, ErrNotTLS, ErrNoPreface).
package client
