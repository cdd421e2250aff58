//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// maxPacket is the largest IPv4 or IPv6 packet without jumbograms.
const maxPacket = 65535

// impairment is what the link does to every packet.
type impairment struct {
	delay time.Duration // added to every forwarded packet
	loss  float64       // share of the packets dropped, in [0, 1]
	seed  uint64        // seed of the generator that picks the dropped packets
	limit int           // packets held at once; a packet beyond it is dropped
}

func (im impairment) validate() error {
	switch {
	case im.delay < 0:
		return fmt.Errorf("delay %v: must not be negative", im.delay)
	case !(im.loss >= 0 && im.loss <= 1): // also refuses NaN
		return fmt.Errorf("loss %g: must be from 0 to 1", im.loss)
	case im.limit < 1:
		return fmt.Errorf("limit %d: must be at least 1", im.limit)
	}
	return nil
}

// counts are what happened to the packets so far; impair updates them as it
// goes, so a caller may read them while it runs.
type counts struct {
	received   atomic.Int64 // read from the device
	lost       atomic.Int64 // dropped by the generator
	overflowed atomic.Int64 // dropped because limit packets were held
	forwarded  atomic.Int64 // written back after the delay
	held       atomic.Int64 // waiting for their release time
}

func (c *counts) String() string {
	received, lost := c.received.Load(), c.lost.Load()
	share := 0.0
	if received > 0 {
		share = 100 * float64(lost) / float64(received)
	}
	return fmt.Sprintf("received %d packets, lost %d (%.1f%%), dropped over the limit %d, forwarded %d, held at exit %d",
		received, lost, share, c.overflowed.Load(), c.forwarded.Load(), c.held.Load())
}

// heldPacket is a packet waiting in the FIFO for its release time.
type heldPacket struct {
	data    []byte
	release time.Time
}

// impair reads packets from dev, one per Read, drops a share im.loss of them
// (the n-th packet by the n-th draw of a PCG seeded with im.seed) and those
// that find im.limit packets held, and writes every other one back to dev,
// one per Write, im.delay after it was read. The delay is the same for every
// packet, so a FIFO keeps them in release order: packets leave in the order
// they came. It closes dev, and returns nil when ctx is done or the error
// that stopped it when a Read or a Write fails.
func impair(ctx context.Context, dev io.ReadWriteCloser, im impairment, c *counts) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Closing dev ends a Read that waits for a packet.
	closed := make(chan struct{})
	context.AfterFunc(ctx, func() {
		_ = dev.Close()
		close(closed)
	})

	// At most im.limit packets are held (c.held), so sends never block.
	fifo := make(chan heldPacket, im.limit)
	var writeErr error
	written := make(chan struct{})
	go func() {
		defer close(written)
		if writeErr = forward(ctx, dev, fifo, c); writeErr != nil {
			cancel()
		}
	}()

	var readErr error
	draws := rand.New(rand.NewPCG(im.seed, 0))
	buf := make([]byte, maxPacket)
	for {
		n, err := dev.Read(buf)
		if err != nil {
			if ctx.Err() == nil {
				readErr = fmt.Errorf("read a packet: %w", err)
			}
			break
		}
		c.received.Add(1)
		switch {
		case draws.Float64() < im.loss:
			c.lost.Add(1)
		case c.held.Load() >= int64(im.limit):
			c.overflowed.Add(1)
		default:
			c.held.Add(1)
			fifo <- heldPacket{data: bytes.Clone(buf[:n]), release: time.Now().Add(im.delay)}
		}
	}
	cancel()
	<-written
	<-closed
	return errors.Join(readErr, writeErr)
}

// forward writes the packets of fifo to dev at their release times until ctx
// is done (nil) or a Write fails.
func forward(ctx context.Context, dev io.Writer, fifo <-chan heldPacket, c *counts) error {
	for {
		var p heldPacket
		select {
		case <-ctx.Done():
			return nil
		case p = <-fifo:
		}
		if wait := time.Until(p.release); wait > 0 {
			timer := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				timer.Stop()
				return nil
			case <-timer.C:
			}
		}
		if _, err := dev.Write(p.data); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("write a packet back: %w", err)
		}
		c.held.Add(-1)
		c.forwarded.Add(1)
	}
}
