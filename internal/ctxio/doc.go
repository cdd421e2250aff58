// Package ctxio reads files so that a cancelled context stops the read at
// once, in every phase: opening (a FIFO without a writer blocks in open),
// reading (a pipe whose writer is silent blocks in read; /dev/zero never
// ends) and parsing what a reader yields.
//
// A command that gets SIGINT or SIGTERM cancels its context; with these
// readers it returns within a read of a few kilobytes, whatever the input.
//
// ReadFile, ReadAtMost and Limit also bound what they read: a regular file
// larger than the limit is refused from its size, a pipe or device once it
// yields one byte more (ErrTooLarge), so that a specification, a result or
// a certificate named as /dev/zero costs at most the limit.
package ctxio
