// Package proctest runs the real thresher binary, and other programs, as
// processes in tests: it builds cmd/thresher once per test binary, starts
// processes with their output collected, waits for log lines, and stops
// every process when its test ends (SIGTERM, then SIGKILL after 10 s).
package proctest
