package stream

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"math/bits"
	"math/rand/v2"
)

// Purpose separates the streams of different bootstrap procedures that share
// a seed, so that, say, the mediation bootstrap never reuses the draws of the
// threshold bootstrap.
type Purpose string

// Purposes used by thresher's estimators.
const (
	ThresholdBootstrap Purpose = "threshold-bootstrap"
	MediationBootstrap Purpose = "mediation-bootstrap"
	// DynamicThresholdBootstrap is the bootstrap of the dynamic-panel
	// threshold model's linearity test (dynthreshold): stage 1 the fast
	// multiplier bootstrap, stage 2 the full (wild) one.
	DynamicThresholdBootstrap Purpose = "dynamic-threshold-bootstrap"
	// DataGeneration is the stream of one simulated panel of a Monte Carlo
	// study (estimators/dgp): stage is the design's index, replication the
	// replication's.
	DataGeneration Purpose = "dgp"
)

// version is part of every key; bump it only with a deliberate change of all
// published results.
const version = "thresher/stream/v1"

// Stream is the random stream of one replication. It is not safe for
// concurrent use; create one per replication.
type Stream struct {
	src *rand.ChaCha8
}

// New returns the stream of replication rep of stage stage.
func New(seed uint64, purpose Purpose, stage, rep int) *Stream {
	h := sha256.New()
	h.Write([]byte(version))
	h.Write([]byte{0})
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	var b [24]byte
	binary.BigEndian.PutUint64(b[0:], seed)
	binary.BigEndian.PutUint64(b[8:], uint64(int64(stage)))
	binary.BigEndian.PutUint64(b[16:], uint64(int64(rep)))
	h.Write(b[:])
	var key [32]byte
	copy(key[:], h.Sum(nil))
	return &Stream{src: rand.NewChaCha8(key)}
}

// IntN returns a uniform integer in [0, n). It panics if n <= 0.
//
// Lemire (2019), "Fast random integer generation in an interval", ACM TOMS
// 29(1): the high word of x*n is uniform on [0, n) once products whose low
// word falls below 2^64 mod n are rejected.
func (s *Stream) IntN(n int) int {
	if n <= 0 {
		panic("stream: IntN with n <= 0")
	}
	bound := uint64(n)
	hi, lo := bits.Mul64(s.src.Uint64(), bound)
	if lo < bound {
		threshold := -bound % bound
		for lo < threshold {
			hi, lo = bits.Mul64(s.src.Uint64(), bound)
		}
	}
	return int(hi)
}

// Uint64 returns the generator's next 64-bit output, for example to seed a
// generator that keeps its own stream.
func (s *Stream) Uint64() uint64 { return s.src.Uint64() }

// Float64 returns a uniform number in [0, 1) built from the top 53 bits of
// one 64-bit output.
func (s *Stream) Float64() float64 { return float64(s.src.Uint64()>>11) / (1 << 53) }

// Normal returns a standard normal number by the Box-Muller transform of two
// uniforms u1, u2 from Float64: sqrt(-2 ln(1-u1)) cos(2 pi u2). 1-u1 lies in
// (0, 1], so the logarithm is finite; the sine companion is not used, so every
// call consumes exactly two 64-bit outputs.
func (s *Stream) Normal() float64 {
	u1, u2 := s.Float64(), s.Float64()
	return math.Sqrt(-2*math.Log(1-u1)) * math.Cos(2*math.Pi*u2)
}
