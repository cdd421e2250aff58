package dynthreshold

import (
	"fmt"

	"github.com/thresher/thresher/estimators/model"
)

// ConfigVersion is the version of Config's encoding.
const ConfigVersion = 1

// Config is a dynamic threshold model as a cluster carries it: the fields
// of Spec under the names of `thresher xthenreg`'s flags, encoded as JSON by
// Encode. Zero GridNum, Trim and H0 take their defaults when the model is
// prepared; the encoding keeps what the user gave.
type Config struct {
	// Version is ConfigVersion; Encode sets it.
	Version    int       `json:"version"`
	ID         string    `json:"id"`
	Time       string    `json:"time"`
	Depvar     string    `json:"depvar"`
	Qx         string    `json:"qx"`
	Indep      []string  `json:"indep"`
	Endo       []string  `json:"endo"`
	Exog       []string  `json:"exog"`
	Inst       []string  `json:"inst"`
	Static     bool      `json:"static"`
	Kink       bool      `json:"kink"`
	Unbalanced bool      `json:"unbalanced"`
	Grid       int       `json:"grid"`
	Trim       float64   `json:"trim"`
	Gammas     []float64 `json:"gammas"`
	H0         float64   `json:"h0"`
	Boost      int       `json:"boost"`
	// Bootstrap is BootstrapFast (also when empty) or BootstrapFull.
	Bootstrap string `json:"bootstrap,omitempty"`
	Seed      uint64 `json:"seed"`
}

// Spec returns the specification of the configuration, checked by
// Spec.Normalize (which also fills its defaults).
func (c Config) Spec() (Spec, error) {
	s := Spec{ID: c.ID, Time: c.Time, Depvar: c.Depvar, Qx: c.Qx, Indep: c.Indep, Endo: c.Endo, Exog: c.Exog,
		Inst: c.Inst, Static: c.Static, Kink: c.Kink, Unbalanced: c.Unbalanced, GridNum: c.Grid, Trim: c.Trim,
		Gammas: c.Gammas, H0: c.H0, Boost: c.Boost, Seed: c.Seed}
	var err error
	if s.Bootstrap, err = ParseBootstrap(c.Bootstrap); err != nil {
		return s, err
	}
	err = s.Normalize()
	return s, err
}

// Encode returns the canonical JSON encoding of the configuration, at
// ConfigVersion.
func (c Config) Encode() []byte {
	c.Version = ConfigVersion
	raw, err := model.EncodeCanonical(c)
	if err != nil {
		// Only a NaN or infinite trim, h0 or grid point fails, and
		// DecodeSpec refuses them.
		panic(fmt.Sprintf("dynthreshold: encoding a configuration: %v", err))
	}
	return raw
}
