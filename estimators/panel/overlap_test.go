package panel

import "testing"

func TestOverlaps(t *testing.T) {
	cases := []struct {
		t, u string
		want bool
	}{
		{"y", "y", true},
		{"y", "2*y", true},
		{"y", "y^2", true},
		{"y", "y/100", true},
		{"y", "x*y", true},
		{"L.y", "L.y^2", true},
		{"y", "L.y", false},
		{"y", "L2.y*x", false},
		{"L.y", "y", false},
		{"y", "x", false},
		{"y", "yy", false},
		{"D.y", "y", true},
		{"D.y", "ln(y)", true},
		{"D.y", "L.y", false},
		{"D.y", "LD.y", false},
		{"F.y", "F.y*x", true},
		{"F.y", "y", false},
		{"ln(y)", "y", true},
	}
	for _, c := range cases {
		t.Run(c.t+" "+c.u, func(t *testing.T) {
			a, err := ParseTerm(c.t)
			if err != nil {
				t.Fatal(err)
			}
			b, err := ParseTerm(c.u)
			if err != nil {
				t.Fatal(err)
			}
			if got := a.Overlaps(b); got != c.want {
				t.Errorf("%s overlaps %s: %v, want %v", c.t, c.u, got, c.want)
			}
		})
	}
}
