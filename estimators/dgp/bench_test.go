package dgp

import "testing"

// BenchmarkDraw draws one n = 100, T = 10 panel per operation, and the same
// with its CSV round trip to a panel table; and one panel of the provinces
// family (30 x 13).
func BenchmarkDraw(b *testing.B) {
	for _, c := range []struct{ name, errors string }{
		{"normal", "{law: normal}"}, {"student_t", "{law: student_t, df: 5}"}, {"ar1", "{law: ar1, rho: 0.5}"}, {"provinces", ""},
	} {
		d := decode(b, variant(b, "n: 100\nt: 10\nerrors: "+c.errors))
		if c.errors == "" {
			d = Design{Family: FamilyProvinces}
		}
		g, err := d.Prepare(nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			for i := range b.N {
				g.Draw(1, 0, i)
			}
		})
		b.Run(c.name+"+table", func(b *testing.B) {
			for i := range b.N {
				if _, err := g.Draw(1, 0, i).Table(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
