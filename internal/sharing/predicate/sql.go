package predicate

import (
	"errors"
	"strconv"
	"strings"
)

// ParseSQL best-effort parses the legacy predicateHints strings, which the
// protocol AND-s together: comparisons of a column with a constant
// ("col = 'x'", "col > 3", "'foo' < col", "<>" and "!=" too), "col IS [NOT]
// NULL", "col [NOT] IN (...)", combined with AND, OR, NOT and parentheses, as
// Spark's Expression.sql writes them ("(`id` > 5L)", "(d = DATE '2021-04-29')").
//
// A hint it does not understand in full is left out, which only keeps more
// files; it returns nil (no pruning) when it understands none.
//
// Constants take the type of the column they meet when evaluated: a quoted
// constant may stand for a string, date, timestamp, number or boolean, a bare
// number only for a number. A timestamp written without a zone is read in an
// unknown zone (Spark uses the session's), so it stands for every instant
// within ±18 hours.
func ParseSQL(hints []string) *Expr {
	var conj []*Expr
	nodes := 0
	for _, h := range hints {
		e := parseHint(h)
		if e == nil || depthOf(e) >= MaxDepth {
			continue // the AND above it must fit the depth limit too
		}
		n := countNodes(e)
		if nodes+n+1 > MaxNodes {
			break // leaving conjuncts out is safe
		}
		nodes += n
		conj = append(conj, e)
	}
	switch len(conj) {
	case 0:
		return nil
	case 1:
		return conj[0]
	}
	e := &Expr{Op: OpAnd, Children: conj}
	if e.check() != nil {
		return nil
	}
	return e
}

func depthOf(e *Expr) int {
	d := 0
	for _, c := range e.Children {
		d = max(d, depthOf(c))
	}
	return d + 1
}

func countNodes(e *Expr) int {
	n := 1
	for _, c := range e.Children {
		n += countNodes(c)
	}
	return n
}

// parseHint parses one hint, or returns nil.
func parseHint(h string) *Expr {
	toks, err := lex(h)
	if err != nil || len(toks) == 0 {
		return nil
	}
	p := &sqlParser{toks: toks}
	e, err := p.or(0)
	if err != nil || p.pos != len(p.toks) || e.check() != nil {
		return nil
	}
	return e
}

type tokKind uint8

const (
	tokIdent  tokKind = iota + 1 // a name or keyword; quoted: a `name`
	tokString                    // 'text' or "text"
	tokNumber                    // digits, maybe with a point, exponent and Spark suffix
	tokOp                        // = == < > <= >= <> != <=>
	tokPunct                     // ( ) , . -
)

type token struct {
	kind   tokKind
	text   string
	quoted bool // a `quoted` identifier: never a keyword
}

var errSQL = errors.New("not understood")

func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'' || c == '"':
			text, n, err := lexString(s[i:])
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokString, text: text})
			i += n
		case c == '`':
			var b strings.Builder
			j := i + 1
			for ; ; j++ {
				if j >= len(s) {
					return nil, errSQL
				}
				if s[j] == '`' {
					if j+1 < len(s) && s[j+1] == '`' {
						b.WriteByte('`')
						j++
						continue
					}
					break
				}
				b.WriteByte(s[j])
			}
			toks = append(toks, token{kind: tokIdent, text: b.String(), quoted: true})
			i = j + 1
		case isDigit(c):
			j := i
			for j < len(s) && (isDigit(s[j]) || s[j] == '.') {
				j++
			}
			if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
				k := j + 1
				if k < len(s) && (s[k] == '+' || s[k] == '-') {
					k++
				}
				if k < len(s) && isDigit(s[k]) {
					for j = k; j < len(s) && isDigit(s[j]); j++ {
					}
				}
			}
			for j < len(s) && isIdentByte(s[j]) { // a suffix such as L or BD
				j++
			}
			toks = append(toks, token{kind: tokNumber, text: s[i:j]})
			i = j
		case isIdentByte(c):
			j := i
			for j < len(s) && (isIdentByte(s[j]) || isDigit(s[j])) {
				j++
			}
			toks = append(toks, token{kind: tokIdent, text: s[i:j]})
			i = j
		case strings.ContainsRune("=<>!", rune(c)):
			j := i
			for j < len(s) && strings.ContainsRune("=<>!", rune(s[j])) {
				j++
			}
			toks = append(toks, token{kind: tokOp, text: s[i:j]})
			i = j
		case strings.ContainsRune("(),.-", rune(c)):
			toks = append(toks, token{kind: tokPunct, text: s[i : i+1]})
			i++
		default:
			return nil, errSQL
		}
	}
	return toks, nil
}

// lexString reads a quoted string at the start of s, returning its text and
// length. A quote inside is written twice or after a backslash.
func lexString(s string) (string, int, error) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) || !strings.ContainsRune(`'"\`, rune(s[i+1])) {
				return "", 0, errSQL // other escapes are left alone
			}
			b.WriteByte(s[i+1])
			i++
		case c == q:
			if i+1 < len(s) && s[i+1] == q {
				b.WriteByte(q)
				i++
				continue
			}
			return b.String(), i + 1, nil
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, errSQL
}

func isDigit(c byte) bool     { return c >= '0' && c <= '9' }
func isIdentByte(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }

type sqlParser struct {
	toks []token
	pos  int
}

func (p *sqlParser) peek() (token, bool) {
	if p.pos >= len(p.toks) {
		return token{}, false
	}
	return p.toks[p.pos], true
}

// keyword consumes the keyword kw if it comes next.
func (p *sqlParser) keyword(kw string) bool {
	t, ok := p.peek()
	if ok && t.kind == tokIdent && !t.quoted && strings.EqualFold(t.text, kw) {
		p.pos++
		return true
	}
	return false
}

func (p *sqlParser) punct(s string) bool {
	t, ok := p.peek()
	if ok && t.kind == tokPunct && t.text == s {
		p.pos++
		return true
	}
	return false
}

func (p *sqlParser) or(depth int) (*Expr, error) {
	return p.nary(depth, OpOr, "OR", p.and)
}

func (p *sqlParser) and(depth int) (*Expr, error) {
	return p.nary(depth, OpAnd, "AND", p.unary)
}

func (p *sqlParser) nary(depth int, op, kw string, next func(int) (*Expr, error)) (*Expr, error) {
	if depth > MaxDepth {
		return nil, errSQL
	}
	e, err := next(depth + 1)
	if err != nil {
		return nil, err
	}
	list := []*Expr{e}
	for p.keyword(kw) {
		e, err := next(depth + 1)
		if err != nil {
			return nil, err
		}
		list = append(list, e)
	}
	if len(list) == 1 {
		return list[0], nil
	}
	return &Expr{Op: op, Children: list}, nil
}

func (p *sqlParser) unary(depth int) (*Expr, error) {
	if depth > MaxDepth {
		return nil, errSQL
	}
	if p.keyword("NOT") {
		e, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return &Expr{Op: OpNot, Children: []*Expr{e}}, nil
	}
	if p.punct("(") {
		e, err := p.or(depth + 1)
		if err != nil || !p.punct(")") {
			return nil, errSQL
		}
		return e, nil
	}
	return p.predicate()
}

var sqlOps = map[string]string{
	"=": OpEqual, "==": OpEqual, "<": OpLessThan, "<=": OpLessThanOrEqual,
	">": OpGreaterThan, ">=": OpGreaterThanOrEqual, "<>": "ne", "!=": "ne",
}

// predicate reads "operand op operand", "col IS [NOT] NULL" or
// "col [NOT] IN (constants)".
func (p *sqlParser) predicate() (*Expr, error) {
	left, err := p.operand()
	if err != nil {
		return nil, err
	}
	if left.Op == OpColumn {
		if p.keyword("IS") {
			neg := p.keyword("NOT")
			if !p.keyword("NULL") {
				return nil, errSQL
			}
			left.ValueType = TypeString // ignored: the column's type decides
			e := &Expr{Op: OpIsNull, Children: []*Expr{left}, loose: true}
			if neg {
				e = &Expr{Op: OpNot, Children: []*Expr{e}}
			}
			return e, nil
		}
		if neg := p.keyword("NOT"); neg || p.keyword("IN") {
			if neg && !p.keyword("IN") {
				return nil, errSQL
			}
			return p.in(left, neg)
		}
	}
	t, ok := p.peek()
	if !ok || t.kind != tokOp {
		return nil, errSQL
	}
	p.pos++
	op, ok := sqlOps[t.text]
	if !ok {
		return nil, errSQL
	}
	right, err := p.operand()
	if err != nil {
		return nil, err
	}
	return comparison(op, left, right)
}

// comparison pairs a column with a constant; the column takes the constant's
// valueType, and evaluation retypes both by the column's schema type.
func comparison(op string, a, b *Expr) (*Expr, error) {
	col, lit := a, b
	if a.Op == OpLiteral {
		col, lit = b, a
	}
	if col.Op != OpColumn || lit.Op != OpLiteral {
		return nil, errSQL
	}
	col.ValueType = lit.ValueType
	if op == "ne" {
		eq := &Expr{Op: OpEqual, Children: []*Expr{a, b}, loose: true}
		return &Expr{Op: OpNot, Children: []*Expr{eq}}, nil
	}
	return &Expr{Op: op, Children: []*Expr{a, b}, loose: true}, nil
}

// in reads "(c1, c2, ...)" after "col [NOT] IN".
func (p *sqlParser) in(col *Expr, neg bool) (*Expr, error) {
	if !p.punct("(") {
		return nil, errSQL
	}
	var alts []*Expr
	for {
		lit, err := p.operand()
		if err != nil || lit.Op != OpLiteral {
			return nil, errSQL
		}
		c := &Expr{Op: OpColumn, Name: col.Name}
		eq, err := comparison(OpEqual, c, lit)
		if err != nil {
			return nil, err
		}
		alts = append(alts, eq)
		if p.punct(")") {
			break
		}
		if !p.punct(",") {
			return nil, errSQL
		}
	}
	e := alts[0]
	if len(alts) > 1 {
		e = &Expr{Op: OpOr, Children: alts}
	}
	if neg {
		e = &Expr{Op: OpNot, Children: []*Expr{e}}
	}
	return e, nil
}

// operand reads a column (names joined by dots) or a constant.
func (p *sqlParser) operand() (*Expr, error) {
	t, ok := p.peek()
	if !ok {
		return nil, errSQL
	}
	switch t.kind {
	case tokString:
		p.pos++
		return &Expr{Op: OpLiteral, Value: t.text, ValueType: TypeString}, nil
	case tokNumber:
		p.pos++
		return number(t.text, false)
	case tokPunct:
		if t.text == "-" {
			p.pos++
			if n, ok := p.peek(); ok && n.kind == tokNumber {
				p.pos++
				return number(n.text, true)
			}
		}
		return nil, errSQL
	case tokIdent:
		if !t.quoted {
			switch strings.ToUpper(t.text) {
			case "TRUE", "FALSE":
				p.pos++
				return &Expr{Op: OpLiteral, Value: strings.ToLower(t.text), ValueType: TypeBool}, nil
			case "DATE", "TIMESTAMP":
				if n := p.pos + 1; n < len(p.toks) && p.toks[n].kind == tokString {
					p.pos += 2
					return &Expr{Op: OpLiteral, Value: p.toks[n].text, ValueType: TypeString}, nil
				}
				// otherwise a column named date or timestamp
			case "NULL", "NOT", "AND", "OR", "IS", "IN", "CAST":
				return nil, errSQL
			}
		}
		p.pos++
		name := t.text
		for p.punct(".") {
			n, ok := p.peek()
			if !ok || n.kind != tokIdent {
				return nil, errSQL
			}
			p.pos++
			name += "." + n.text
		}
		if n, ok := p.peek(); ok && n.kind == tokPunct && n.text == "(" {
			return nil, errSQL // a function call
		}
		return &Expr{Op: OpColumn, Name: name}, nil
	}
	return nil, errSQL
}

// number reads a numeric constant with an optional Spark type suffix (Y, S, L,
// F, D, BD) as a long when it is an integer and a double otherwise.
func number(text string, negative bool) (*Expr, error) {
	// The lexer takes an exponent's e only when digits follow, so the
	// trailing letters are the suffix.
	body := strings.TrimRight(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
	switch strings.ToUpper(text[len(body):]) {
	case "", "Y", "S", "L", "F", "D", "BD":
	default:
		return nil, errSQL
	}
	if negative {
		body = "-" + body
	}
	if _, err := strconv.ParseInt(body, 10, 64); err == nil {
		return &Expr{Op: OpLiteral, Value: body, ValueType: TypeLong}, nil
	}
	if _, err := strconv.ParseFloat(body, 64); err == nil {
		return &Expr{Op: OpLiteral, Value: body, ValueType: TypeDouble}, nil
	}
	return nil, errSQL
}
