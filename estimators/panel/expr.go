package panel

import (
	"errors"
	"fmt"
	"math"
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
	// factor is set for a factor variable (i.x, ib#.x); root then reads
	// the level.
	factor *factor
	// calls reports a function call in the term, for messages.
	calls bool
}

// factor is a factor variable: indicators of the levels of a column but
// its base level.
type factor struct {
	column  string
	base    int
	hasBase bool // ib#.x; otherwise the lowest level of the sample
}

// Ref is a column read by a term at a lag: 0 for the current period, k > 0
// for the period k earlier, k < 0 for the period -k later (a lead).
type Ref struct {
	Column string
	Lag    int
}

// maxLag bounds the total order of the lag and lead operators of a
// variable so that a typo cannot ask for absurd lags; maxDiff bounds the
// total order of its differences (D8.x reads 9 periods).
const (
	maxLag  = 1000
	maxDiff = 8
)

// ParseTerm parses one term of a variable list.
func ParseTerm(s string) (Term, error) {
	name := strings.Join(strings.Fields(s), "")
	if name == "" {
		return Term{}, fmt.Errorf("%w: empty term", ErrSyntax)
	}
	if f, ok, err := parseFactor(name); ok || err != nil {
		if err != nil {
			return Term{}, err
		}
		return Term{Name: name, root: variable{Column: f.column}, factor: f}, nil
	}
	p := &parser{src: name}
	root, err := p.sum()
	if err == nil && p.pos < len(p.src) {
		err = p.unexpected(p.src[p.pos:])
	}
	if err != nil {
		return Term{}, err
	}
	return Term{Name: name, root: root, calls: p.calls}, nil
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

// Eval computes the term given the value of each reference. For a factor
// variable it returns the level.
func (t Term) Eval(value func(Ref) float64) float64 { return t.root.eval(value) }

// IsFactor reports whether the term is a factor variable (i.x or ib#.x),
// which Build expands into indicator columns (see BuildOptions).
func (t Term) IsFactor() bool { return t.factor != nil }

// indicatorTerm is the indicator of one level of a factor variable,
// named as Stata names it ("1976.year").
func indicatorTerm(column string, level float64) Term {
	return Term{Name: strconv.FormatFloat(level, 'f', -1, 64) + "." + column,
		root: indicator{Ref: Ref{Column: column}, level: level}}
}

// parseFactor parses a factor variable: "i." or "ib" followed by an
// integer and ".", then a column name, and nothing else. ok reports that
// name starts as a factor variable.
func parseFactor(name string) (f *factor, ok bool, err error) {
	rest, found := strings.CutPrefix(name, "i")
	if !found {
		return nil, false, nil
	}
	f = &factor{}
	if digits, found := strings.CutPrefix(rest, "b"); found {
		n := 0
		for n < len(digits) && (isDigit(digits[n]) || n == 0 && digits[n] == '-') {
			n++
		}
		if n == len(digits) || digits[n] != '.' {
			return nil, false, nil // a column such as ib2 or ibx
		}
		if f.base, err = parsePeriod(digits[:n]); err != nil {
			return nil, true, fmt.Errorf("%w %q: the base level of ib#. must be an integer below 10^15 in absolute value, not %q", ErrSyntax, name, digits[:n])
		}
		f.hasBase, rest = true, digits[n:]
	}
	rest, found = strings.CutPrefix(rest, ".")
	if !found {
		return nil, false, nil // a column such as i or id
	}
	n := 0
	for n < len(rest) && (isIdentPart(rest[n]) && (n > 0 || isIdentStart(rest[n]))) {
		n++
	}
	if n == 0 || n < len(rest) {
		return nil, true, fmt.Errorf("%w %q: a factor variable is i.<column> or ib<level>.<column> alone, as a whole term "+
			"(operators, functions and interactions are not supported with it)", ErrSyntax, name)
	}
	f.column = rest
	return f, true, nil
}

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
	op          byte // '*', '/' or '-' (the last from the difference operator D.)
	left, right node
}

func (b binary) eval(value func(Ref) float64) float64 {
	l, r := b.left.eval(value), b.right.eval(value)
	switch b.op {
	case '/':
		return l / r
	case '-':
		return l - r
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

// indicator is 1 where a column equals a level, 0 elsewhere.
type indicator struct {
	Ref
	level float64
}

func (i indicator) eval(value func(Ref) float64) float64 {
	if value(i.Ref) == i.level {
		return 1
	}
	return 0
}

func (i indicator) walk(f func(Ref)) { f(i.Ref) }

// functions are the functions of a variable list, by name.
var functions = map[string]func(float64) float64{
	"ln": math.Log, "log": math.Log, "exp": math.Exp, "sqrt": math.Sqrt, "abs": math.Abs,
}

// functionNames lists the functions for messages.
const functionNames = "ln, log (both the natural logarithm), exp, sqrt and abs"

type call struct {
	fn  func(float64) float64
	arg node
}

func (c call) eval(value func(Ref) float64) float64 { return c.fn(c.arg.eval(value)) }
func (c call) walk(f func(Ref))                     { c.arg.walk(f) }

// parser is a recursive-descent parser for
//
//	sum     := factor (('*' | '/') factor)*
//	factor  := primary ('^' integer)?
//	primary := number | variable | function '(' sum ')' | '(' sum ')'
//	number  := a number of the data's grammar (number.go) without a sign
//	function:= 'ln' | 'log' | 'exp' | 'sqrt' | 'abs'
//	variable:= (operators '.')* identifier
//	operators:= (('L' | 'F' | 'D') [digits])+, in either case
type parser struct {
	src   string
	pos   int
	calls bool // a function was parsed
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
		_, n := scanNumber(p.src[p.pos:])
		literal := p.src[p.pos : p.pos+n]
		v, err := strconv.ParseFloat(literal, 64)
		mantissa, _, _ := strings.Cut(strings.ToLower(literal), "e")
		outOfRange := errors.Is(err, strconv.ErrRange)
		switch {
		case n > 0 && (err == nil || outOfRange) && v == 0 && strings.ContainsAny(mantissa, "123456789"):
			return nil, p.errorf("the number %s is below float64's range (about 5e-324) and would be 0", literal)
		case outOfRange:
			return nil, p.errorf("the number %s is beyond float64's range (about 1.8e308)", literal)
		case n == 0 || err != nil:
			return nil, p.errorf("bad number (a number is written like 100, 0.5, .5 or 1e-5)")
		}
		p.pos += n
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
	var lag, diff int // the total shift (lags minus leads) and difference order
	var shifts int    // the total order of L and F
	for {
		ops, n := scanOperators(p.src[p.pos:])
		if n == 0 {
			break
		}
		for _, op := range ops {
			k := op.order
			switch op.kind {
			case 'L':
				lag, shifts = lag+k, shifts+k
			case 'F':
				lag, shifts = lag-k, shifts+k
			case 'D':
				diff += k
			}
			if k > maxLag || shifts > maxLag {
				return nil, p.errorf("the lags and leads of a variable add up to more than %d periods", maxLag)
			}
			if diff > maxDiff {
				return nil, p.errorf("the differences of a variable add up to more than order %d", maxDiff)
			}
		}
		p.pos += n
	}
	nameStart := p.pos
	if c := p.peek(); c >= utf8.RuneSelf {
		return nil, p.unexpected(p.src[p.pos:])
	} else if !isIdentStart(c) {
		return nil, p.errorf("expected a column name after the operator %q", p.src[start:p.pos])
	}
	for p.pos < len(p.src) && isIdentPart(p.src[p.pos]) {
		p.pos++
	}
	name := p.src[nameStart:p.pos]
	if p.peek() == '(' && start == nameStart {
		return p.call(name)
	}
	if p.peek() == '.' && (name == "i" || strings.HasPrefix(name, "ib")) {
		return nil, p.errorf("a factor variable (i.x, ib#.x) must be a whole term of --indep, not part of an expression")
	}
	return differenced(name, lag, diff), nil
}

// call parses the parenthesised argument of a function.
func (p *parser) call(name string) (node, error) {
	fn, ok := functions[name]
	if !ok {
		return nil, p.errorf("unknown function %q (the functions are %s)", name, functionNames)
	}
	p.pos++ // '('
	p.calls = true
	arg, err := p.sum()
	if err != nil {
		return nil, err
	}
	if p.peek() != ')' {
		return nil, p.errorf("missing ')' after the argument of %s", name)
	}
	p.pos++
	return call{fn: fn, arg: arg}, nil
}

// differenced returns the node of D^diff applied to the column lagged lag
// periods, as Stata defines it: D.x = x - L.x, so D2.x = D.x - L.D.x =
// (x - L.x) - (L.x - L2.x), evaluated in that order; lags and leads shift
// every period the differences read (L2D.x = L2.x - L3.x).
func differenced(column string, lag, diff int) node {
	if diff == 0 {
		return variable{Column: column, Lag: lag}
	}
	return binary{op: '-', left: differenced(column, lag, diff-1), right: differenced(column, lag+1, diff-1)}
}

// operator is one time-series operator of a prefix such as "L2D.".
type operator struct {
	kind  byte // 'L', 'F' or 'D'
	order int
}

// scanOperators reads one operator prefix ("L.", "l2.", "LD.", "D2L3."),
// dot included: n is 0 when s does not start with one, as in "Lq.x" or
// "Dx". An order out of 0..maxLag+1 is reported as maxLag+1.
func scanOperators(s string) (ops []operator, n int) {
	for n < len(s) {
		kind := s[n] &^ 0x20 // upper case
		if kind != 'L' && kind != 'F' && kind != 'D' {
			break
		}
		q := n + 1
		for q < len(s) && isDigit(s[q]) {
			q++
		}
		order := 1
		if q > n+1 {
			k, err := strconv.Atoi(s[n+1 : q])
			if err != nil || k > maxLag {
				k = maxLag + 1
			}
			order = k
		}
		ops = append(ops, operator{kind, order})
		n = q
	}
	if len(ops) == 0 || n == len(s) || s[n] != '.' {
		return nil, 0
	}
	return ops, n + 1
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || unicode.IsLetter(rune(c)) && c < 0x80 }
func isIdentPart(c byte) bool  { return isIdentStart(c) || isDigit(c) }
