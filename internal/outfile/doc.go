// Package outfile writes result files without destroying what the user
// named as the destination.
//
// Write replaces a regular file, or creates a new one, atomically: it writes
// a temporary file in the same directory, syncs it and renames it over the
// target, so a reader sees the old content or the new, never a mix, and a
// failed run leaves the old file intact. Any other destination is written
// through, never replaced: a character or block device (/dev/null,
// /dev/stdout, a terminal) or a FIFO is opened and written like a shell's
// redirection would. A symbolic link is followed to its end (chains
// included): a link to a regular file, or a dangling link, replaces or
// creates the file it points to and keeps the link; a link to a device or
// FIFO writes through, and so does a chain through /proc or /dev/fd
// (/dev/stdout), which names an open descriptor. Directories and sockets
// are refused.
//
// New files get the permission bits the caller asks for (results use Perm,
// 0644) filtered by the process's umask, as the kernel applies it on
// creation; a replaced regular file keeps its permission bits and, where
// the process may set them, its owner and group. Two kinds of existing
// regular file are not replaced: one the user may not write (mode 0444, or
// another's) is refused with "permission denied", as the shell's
// redirection refuses it, though the directory would allow the rename; one
// with more than one hard link is truncated and written through, as the
// shell does, so that every name sees the result (a rename would leave the
// other names with the old content), at the cost of atomicity.
//
// Check and CheckDir validate a destination before a job runs, so that a
// missing or read-only directory, or a directory named as a file, is
// reported at once rather than after hours of work. They probe the
// directory by creating and removing a temporary file, which catches what
// permission bits do not: a read-only mount, an ACL, or root's exemption
// from the bits.
package outfile
