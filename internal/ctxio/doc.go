// Package ctxio reads files so that a cancelled context stops the read at
// once, in every phase: opening (a FIFO without a writer blocks in open),
// reading (a pipe whose writer is silent blocks in read; /dev/zero never
// ends) and parsing what a reader yields.
//
// A command that gets SIGINT or SIGTERM cancels its context; with these
// readers it returns within a read of a few kilobytes, whatever the input.
package ctxio
