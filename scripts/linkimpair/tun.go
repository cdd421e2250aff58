//go:build linux

package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// openTUN creates the TUN interface name in the caller's network namespace
// and returns its file: each Read returns one IP packet the kernel routed to
// the interface, each Write hands one IP packet to the kernel as if it had
// arrived on it (IFF_NO_PI: no packet information header). The file is
// non-blocking, so Close ends a Read that waits. The interface goes away
// with the file.
func openTUN(name string) (*os.File, error) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("open /dev/net/tun: %w", err)
	}
	ifr, err := unix.NewIfreq(name)
	if err == nil {
		ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
		err = unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr)
	}
	if err != nil {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("create TUN interface %q: %w", name, err)
	}
	return os.NewFile(uintptr(fd), "/dev/net/tun "+name), nil
}
