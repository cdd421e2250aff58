//go:build linux

// Command linkimpair is a slow and lossy link in user space, for kernels
// without the netem qdisc: it creates a TUN interface, reads the IP packets
// the kernel routes into it, drops a share of them and writes the rest back
// into the same interface after a fixed delay, where the kernel routes them
// on. scripts/partition.sh (case d) routes every packet to and from the
// workers through it with policy routing in a router namespace.
//
//	linkimpair -dev tun0 -delay 200ms -loss 0.05 -seed 1
//
// The caller brings the interface up and routes packets to it; the
// interface goes away when the command exits (SIGINT or SIGTERM), and it
// then prints how many packets it received, lost, dropped over -limit and
// forwarded. The dropped packets are chosen by a PCG generator seeded with
// -seed: the n-th packet read is dropped or not in every run with the same
// seed. The delay is the same for every packet, so packets leave in the
// order they came (a FIFO of release times), as on a wire.
package main
