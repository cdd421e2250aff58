// Package security configures the protection of a thresher cluster:
//
//   - TLS for every gRPC connection: clients verify the coordinators'
//     certificates; coordinators and workers authenticate each other with
//     mutual TLS, so that a worker whose certificate the cluster's CA did not
//     sign is never sent a task, and a coordinator without such a
//     certificate cannot send one. Peers check each other's role in the
//     certificate (Peer, package identity). Certificates and keys are read
//     again at a handshake when their files changed (reloaded), so that
//     rotating them needs no restart.
//   - Bearer tokens for the Jobs API: tokens are read from a file, one per
//     line ("name:token", "name:token:admin" or a token alone, named
//     "default"), and compared in constant time with every configured
//     token; a call carries its token's Identity (CallerIdentity), which
//     the coordinator records as a job's owner; WatchTokens reads the file
//     again when it changes.
//   - A development CA and certificates (WriteDevCerts) for local clusters.
//
// Every file is read with a bound (1 MiB) and a context that a signal
// cancels (package ctxio): a device refuses at the bound and a FIFO without
// a writer stops with the command. A file that is not regular (a pipe, a
// FIFO) is read once and never again, as it cannot be read twice.
//
// Plaintext is allowed only on loopback addresses and only when asked for
// explicitly (IsLoopback lets commands enforce that). Nothing here logs a
// token, a key or a password.
package security
