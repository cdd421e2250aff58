package montecarlo

import (
	"testing"

	"github.com/thresher/thresher/estimators/panel"
)

// BenchmarkReplication times one replication of the bench scenario's study
// (n = 100, T = 10; both conventions with the residual and the wild
// bootstrap, grid 100, B = 300).
func BenchmarkReplication(b *testing.B) {
	s := study(`"n":20,"t":5`, `"n":100,"t":10`, `[{"convention":"xthreg","grid":20,"bs":9}]`,
		`[{"label":"a","convention":"xthreg","grid":100,"bs":300,"bootstrap":"residual"},{"label":"b","convention":"xthreg","grid":100,"bs":300,"bootstrap":"wild"},`+
			`{"label":"c","convention":"hansen","grid":100,"bs":300,"bootstrap":"residual"},{"label":"d","convention":"hansen","grid":100,"bs":300,"bootstrap":"wild"}]`)
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
