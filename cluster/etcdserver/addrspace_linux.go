package etcdserver

import (
	"fmt"
	"os"
	"strings"
	"syscall"
)

// checkAddressSpace returns ErrAddressSpace when a map of need bytes does
// not fit under RLIMIT_AS next to what the process maps already.
func checkAddressSpace(need uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &lim); err != nil || lim.Cur == ^uint64(0) {
		return nil
	}
	return fits(lim.Cur, mappedBytes(), need)
}

// mappedBytes returns the process's mapped address space (VmSize), or 0.
func mappedBytes() uint64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmSize:"); ok {
			var kb uint64
			fmt.Sscan(strings.TrimSpace(v), &kb)
			return kb << 10
		}
	}
	return 0
}
