package model

import "context"

// ChunkSize bounds the slots Chunked computes between two checks of the
// context; results do not depend on it.
const ChunkSize = 64

// Chunked computes values first..last-1 with compute over chunks of at most
// ChunkSize slots, checking ctx between chunks so that a cancelled task
// stops early, and returns them in slot order.
func Chunked(ctx context.Context, first, last int, compute func(a, b int) ([]float64, error)) ([]float64, error) {
	out := make([]float64, 0, max(last-first, 0))
	for a := first; a < last; a += ChunkSize {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		v, err := compute(a, min(a+ChunkSize, last))
		if err != nil {
			return nil, err
		}
		out = append(out, v...)
	}
	return out, nil
}
