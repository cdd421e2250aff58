//go:build linux

package main

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// testLink is impair running on one end of a SOCK_SEQPACKET socket pair,
// which keeps packet boundaries as a TUN device does; the test writes and
// reads packets at the other end, peer.
type testLink struct {
	peer   *os.File
	counts *counts
	cancel context.CancelFunc
	done   chan error // impair's error, when it returned
}

func link(t *testing.T, im impairment) *testLink {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socketpair: %v", err)
	}
	dev := os.NewFile(uintptr(fds[0]), "dev")
	ctx, cancel := context.WithCancel(context.Background())
	l := &testLink{peer: os.NewFile(uintptr(fds[1]), "peer"), counts: new(counts), cancel: cancel, done: make(chan error, 1)}
	t.Cleanup(func() { _ = l.peer.Close() })
	go func() { l.done <- impair(ctx, dev, im, l.counts) }()
	return l
}

// stop cancels impair's context and returns its error.
func (l *testLink) stop() error {
	l.cancel()
	return <-l.done
}

// send writes packets 0 to n-1, each its index in 4 bytes, and returns when
// it wrote them.
func send(t *testing.T, peer io.Writer, n int) []time.Time {
	t.Helper()
	sent := make([]time.Time, n)
	for i := range n {
		sent[i] = time.Now()
		if _, err := peer.Write(binary.BigEndian.AppendUint32(nil, uint32(i))); err != nil {
			t.Fatalf("write packet %d: %v", i, err)
		}
	}
	return sent
}

type arrival struct {
	index int
	at    time.Time
}

// receive reads packets until the other end closes and sends what it read.
func receive(peer io.Reader) <-chan []arrival {
	out := make(chan []arrival, 1)
	go func() {
		var got []arrival
		buf := make([]byte, 16)
		for {
			n, err := peer.Read(buf)
			if err != nil || n != 4 {
				break
			}
			got = append(got, arrival{int(binary.BigEndian.Uint32(buf)), time.Now()})
		}
		out <- got
	}()
	return out
}

// settle waits until every one of n packets was lost, dropped or forwarded.
func settle(c *counts, n int64) {
	for c.lost.Load()+c.overflowed.Load()+c.forwarded.Load() < n {
		time.Sleep(time.Millisecond)
	}
}

func TestDelayKeepsOrder(t *testing.T) {
	const n, delay = 300, 20 * time.Millisecond
	l := link(t, impairment{delay: delay, limit: n})
	arrivals := receive(l.peer)
	sent := send(t, l.peer, n)
	c := l.counts
	settle(c, n)
	if err := l.stop(); err != nil {
		t.Fatalf("impair: %v", err)
	}
	got := <-arrivals
	if len(got) != n {
		t.Fatalf("%d packets came back, want all %d (%s)", len(got), n, c)
	}
	for i, a := range got {
		if a.index != i {
			t.Fatalf("packet %d came back as the %d-th: order not kept", a.index, i)
		}
		if early := a.at.Sub(sent[i]); early < delay {
			t.Fatalf("packet %d came back %v after it was sent, before the delay %v", i, early, delay)
		}
	}
}

// lostIndices sends n packets through a link with loss and no delay and
// returns the indices that did not come back.
func lostIndices(t *testing.T, seed uint64, n int) []int {
	t.Helper()
	l := link(t, impairment{loss: 0.05, seed: seed, limit: n})
	arrivals := receive(l.peer)
	send(t, l.peer, n)
	c := l.counts
	settle(c, int64(n))
	if err := l.stop(); err != nil {
		t.Fatalf("impair: %v", err)
	}
	var lost []int
	next := 0
	for _, a := range <-arrivals {
		for ; next < a.index; next++ {
			lost = append(lost, next)
		}
		next = a.index + 1
	}
	for ; next < n; next++ {
		lost = append(lost, next)
	}
	if int64(len(lost)) != c.lost.Load() || c.overflowed.Load() != 0 {
		t.Fatalf("%d packets missing, counts say %s", len(lost), c)
	}
	return lost
}

func TestLossIsReproducible(t *testing.T) {
	const n = 4000
	first, again, other := lostIndices(t, 1, n), lostIndices(t, 1, n), lostIndices(t, 2, n)
	if !slices.Equal(first, again) {
		t.Errorf("seed 1 lost different packets in two runs:\n%v\n%v", first, again)
	}
	if slices.Equal(first, other) {
		t.Errorf("seeds 1 and 2 lost the same packets: %v", first)
	}
	// 5% of 4000 is 200, with a binomial standard deviation of 13.8.
	for _, lost := range [][]int{first, other} {
		if len(lost) < 140 || len(lost) > 260 {
			t.Errorf("lost %d of %d packets, want about 5%% (200)", len(lost), n)
		}
	}
}

func TestLimitDropsBeyondIt(t *testing.T) {
	const n, limit = 50, 10
	l := link(t, impairment{delay: time.Hour, limit: limit})
	arrivals := receive(l.peer)
	send(t, l.peer, n)
	c := l.counts
	for c.received.Load() < n {
		time.Sleep(time.Millisecond)
	}
	if err := l.stop(); err != nil {
		t.Fatalf("impair: %v", err)
	}
	if got := <-arrivals; len(got) != 0 {
		t.Errorf("%d packets came back before the delay of an hour", len(got))
	}
	if c.held.Load() != limit || c.overflowed.Load() != n-limit {
		t.Errorf("counts %s, want %d held and %d dropped over the limit", c, limit, n-limit)
	}
}

func TestReadFailureIsReported(t *testing.T) {
	l := link(t, impairment{limit: 1})
	_ = l.peer.Close() // the device's Read now returns io.EOF
	if err := <-l.done; !errors.Is(err, io.EOF) {
		t.Errorf("impair returned %v, want the read's io.EOF", err)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		im   impairment
		ok   bool
	}{
		{"partition.sh's", impairment{delay: 200 * time.Millisecond, loss: 0.05, limit: 1000}, true},
		{"no impairment", impairment{limit: 1}, true},
		{"everything lost", impairment{loss: 1, limit: 1}, true},
		{"negative delay", impairment{delay: -time.Millisecond, limit: 1}, false},
		{"loss above 1", impairment{loss: 1.5, limit: 1}, false},
		{"negative loss", impairment{loss: -0.1, limit: 1}, false},
		{"NaN loss", impairment{loss: math.NaN(), limit: 1}, false},
		{"no room", impairment{limit: 0}, false},
	} {
		if err := tc.im.validate(); (err == nil) != tc.ok {
			t.Errorf("%s: validate() = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}
