package montecarlo

import (
	"testing"

	"github.com/thresher/thresher/estimators/panel"
)

// BenchmarkReplication times one replication of the benchmark's design
// (n = 100, T = 10) with one estimator (grid 100, B = 300).
func BenchmarkReplication(b *testing.B) {
	s := study(`"n":20,"t":5`, `"n":100,"t":10`, `"grid":20,"bs":9`, `"grid":100,"bs":300`)
	spec, err := Kind{}.DecodeSpec([]byte(s))
	if err != nil {
		b.Fatal(err)
	}
	m, err := spec.Prepare(&panel.Table{})
	if err != nil {
		b.Fatal(err)
	}
	km := m.(*kindModel)
	b.ResetTimer()
	for i := range b.N {
		if _, err := km.replicate(0, i%3); err != nil {
			b.Fatal(err)
		}
	}
}
