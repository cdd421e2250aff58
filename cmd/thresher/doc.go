// Command thresher estimates panel threshold models (Hansen 1999) and runs
// their bootstraps on a cluster of workers.
package main
