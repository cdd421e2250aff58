package panel

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Term is one parsed entry of a variable list, such as "L.q^2" or "L.q*L.d".
type Term struct {
	// Name is the term as the user wrote it, without spaces. It labels
	// coefficients in output.
	Name string
	root node
}

// Ref is a column read by a term at a lag (0 for the current period).
type Ref struct {
	Column string
	Lag    int
}

// numberRE is the grammar of a number in a term: decimal, with an optional
// exponent (1e-5, 2.5E+3).
var numberRE = regexp.MustCompile(`^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?`)

// maxLag bounds lag orders so that a typo cannot ask for absurd lags.
const maxLag = 1000

// ParseTerm parses one term of a variable list.
func ParseTerm(s string) (Term, error) {
	name := strings.Join(strings.Fields(s), "")
	if name == "" {
		return Term{}, fmt.Errorf("%w: empty term", ErrSyntax)
	}
	p := &parser{src: name}
	root, err := p.sum()
	if err == nil && p.pos < len(p.src) {
		err = p.unexpected(p.src[p.pos:])
	}
	if err != nil {
		return Term{}, err
	}
	return Term{Name: name, root: root}, nil
}

// ParseList parses a comma-separated variable list. An empty string is an
// empty list.
func ParseList(s string) ([]Term, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var terms []Term
	for _, part := range strings.Split(s, ",") {
		t, err := ParseTerm(part)
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
	}
	return terms, nil
}

// Refs lists the columns and lags the term reads, in order of appearance,
// without repetition.
func (t Term) Refs() []Ref {
	var refs []Ref
	seen := map[Ref]bool{}
	t.root.walk(func(r Ref) {
		if !seen[r] {
			seen[r] = true
			refs = append(refs, r)
		}
	})
	return refs
}

// Eval computes the term given the value of each reference.
func (t Term) Eval(value func(Ref) float64) float64 { return t.root.eval(value) }

// String returns the term's name.
func (t Term) String() string { return t.Name }

type node interface {
	eval(func(Ref) float64) float64
	walk(func(Ref))
}

type number float64

func (n number) eval(func(Ref) float64) float64 { return float64(n) }
func (n number) walk(func(Ref))                 {}

type variable Ref

func (v variable) eval(value func(Ref) float64) float64 { return value(Ref(v)) }
func (v variable) walk(f func(Ref))                     { f(Ref(v)) }

type binary struct {
	op          byte // '*' or '/'
	left, right node
}

func (b binary) eval(value func(Ref) float64) float64 {
	l, r := b.left.eval(value), b.right.eval(value)
	if b.op == '/' {
		return l / r
	}
	return l * r
}

func (b binary) walk(f func(Ref)) { b.left.walk(f); b.right.walk(f) }

type power struct {
	base node
	exp  int
}

func (p power) eval(value func(Ref) float64) float64 {
	return math.Pow(p.base.eval(value), float64(p.exp))
}

func (p power) walk(f func(Ref)) { p.base.walk(f) }

// parser is a recursive-descent parser for
//
//	sum     := factor (('*' | '/') factor)*
//	factor  := primary ('^' integer)?
//	primary := number | variable | '(' sum ')'
//	variable:= [('L' | 'l') [digits] '.'] identifier
type parser struct {
	src string
	pos int
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w %q at position %d: %s", ErrSyntax, p.src, p.pos+1, fmt.Sprintf(format, args...))
}

// unexpected reports text that cannot continue the term at the parser's
// position. A non-ASCII character gets the rule for column names, which
// are ASCII.
func (p *parser) unexpected(text string) error {
	if r, _ := utf8.DecodeRuneInString(p.src[p.pos:]); r >= utf8.RuneSelf {
		return p.errorf("%q: a column name in a variable list uses the ASCII letters, digits and _ only, and starts with a letter or _ (rename the column)", r)
	}
	return p.errorf("unexpected %q", text)
}

func (p *parser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *parser) sum() (node, error) {
	left, err := p.factor()
	if err != nil {
		return nil, err
	}
	for c := p.peek(); c == '*' || c == '/'; c = p.peek() {
		p.pos++
		right, err := p.factor()
		if err != nil {
			return nil, err
		}
		left = binary{op: c, left: left, right: right}
	}
	return left, nil
}

func (p *parser) factor() (node, error) {
	base, err := p.primary()
	if err != nil {
		return nil, err
	}
	if p.peek() != '^' {
		return base, nil
	}
	p.pos++
	start := p.pos
	for p.pos < len(p.src) && isDigit(p.src[p.pos]) {
		p.pos++
	}
	exp, err := strconv.Atoi(p.src[start:p.pos])
	if err != nil || exp < 1 || exp > 16 {
		p.pos = start
		return nil, p.errorf("the exponent after '^' must be an integer from 1 to 16")
	}
	return power{base: base, exp: exp}, nil
}

func (p *parser) primary() (node, error) {
	c := p.peek()
	switch {
	case c == '(':
		p.pos++
		inner, err := p.sum()
		if err != nil {
			return nil, err
		}
		if p.peek() != ')' {
			return nil, p.errorf("missing ')'")
		}
		p.pos++
		return inner, nil
	case isDigit(c) || c == '.':
		text := numberRE.FindString(p.src[p.pos:])
		v, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsInf(v, 0) {
			return nil, p.errorf("bad number")
		}
		p.pos += len(text)
		return number(v), nil
	case isIdentStart(c):
		return p.variable()
	case c == 0:
		return nil, p.errorf("unexpected end of term")
	default:
		return nil, p.unexpected(p.src[p.pos : p.pos+1])
	}
}

func (p *parser) variable() (node, error) {
	start := p.pos
	lag := 0
	// A lag operator is L, l, L<k> or l<k> followed by a dot.
	if c := p.peek(); c == 'L' || c == 'l' {
		q := p.pos + 1
		for q < len(p.src) && isDigit(p.src[q]) {
			q++
		}
		if q < len(p.src) && p.src[q] == '.' {
			lag = 1
			if digits := p.src[p.pos+1 : q]; digits != "" {
				k, err := strconv.Atoi(digits)
				if err != nil || k > maxLag {
					return nil, p.errorf("lag order %q is out of range 0..%d", digits, maxLag)
				}
				lag = k
			}
			p.pos = q + 1
		}
	}
	nameStart := p.pos
	if c := p.peek(); c >= utf8.RuneSelf {
		return nil, p.unexpected(p.src[p.pos:])
	} else if !isIdentStart(c) {
		return nil, p.errorf("expected a column name after the lag operator %q", p.src[start:p.pos])
	}
	for p.pos < len(p.src) && isIdentPart(p.src[p.pos]) {
		p.pos++
	}
	return variable{Column: p.src[nameStart:p.pos], Lag: lag}, nil
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || unicode.IsLetter(rune(c)) && c < 0x80 }
func isIdentPart(c byte) bool  { return isIdentStart(c) || isDigit(c) }
