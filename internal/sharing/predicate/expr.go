// Package predicate prunes data files with the query hints of the Delta Sharing
// protocol: the structured jsonPredicateHints of a /query request (Parse) and,
// best effort, the legacy SQL predicateHints (ParseSQL).
//
// Hints are only hints: a client filters the rows it reads itself, so a server
// may return more files than the predicate needs but must never drop a file
// holding a matching row. Expr.MayMatch is built around that rule. It evaluates
// the predicate over what is known of a file (the exact value of a partition
// column, the min/max/null-count statistics of the other columns) as the set of
// truth values the predicate can take on the file's rows, in SQL's three-valued
// logic, and keeps the file unless "true" is impossible. Whatever it cannot
// judge (an unknown column, a type mismatch, missing or unreadable statistics)
// counts as "any value, possibly null".
package predicate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The ops of a predicate tree.
const (
	OpColumn             = "column"             // leaf: a column, by Name and ValueType
	OpLiteral            = "literal"            // leaf: a constant, by Value and ValueType
	OpIsNull             = "isNull"             // one leaf child
	OpNot                = "not"                // one boolean child
	OpEqual              = "equal"              // two leaf children of the same ValueType
	OpLessThan           = "lessThan"           // two leaf children of the same ValueType
	OpLessThanOrEqual    = "lessThanOrEqual"    // two leaf children of the same ValueType
	OpGreaterThan        = "greaterThan"        // two leaf children of the same ValueType
	OpGreaterThanOrEqual = "greaterThanOrEqual" // two leaf children of the same ValueType
	OpAnd                = "and"                // two or more boolean children
	OpOr                 = "or"                 // two or more boolean children
)

// The value types a column or literal leaf may carry.
const (
	TypeBool      = "bool"
	TypeInt       = "int"       // 32-bit signed integer
	TypeLong      = "long"      // 64-bit signed integer
	TypeString    = "string"    // compared as UTF-8 bytes
	TypeDate      = "date"      // literal form yyyy-mm-dd
	TypeFloat     = "float"     // 32-bit floating point
	TypeDouble    = "double"    // 64-bit floating point
	TypeTimestamp = "timestamp" // literal form ISO 8601 with a zone, e.g. 2022-01-01T00:00:00Z
)

// Limits Parse enforces; beyond them it returns an error.
const (
	MaxTextBytes = 1 << 20 // length of the JSON text
	MaxDepth     = 100     // nesting of the tree; a lone leaf has depth 1
	MaxNodes     = 10000   // ops in the tree, leaves included
)

// Expr is a parsed predicate tree: the JSON object {op, children, name, value,
// valueType} of the protocol, one node per object. Parse and ParseSQL return
// validated trees; MayMatch also copes with hand-built ones, treating whatever
// is malformed as unknown.
type Expr struct {
	// Op is one of the Op constants.
	Op string
	// Children are the operands of a non-leaf op.
	Children []*Expr
	// Name is the column of a column op. A name that is not a top-level
	// column may address a nested one with dots ("a.b").
	Name string
	// Value is the constant of a literal op, as text.
	Value string
	// ValueType is the Type constant of a column or literal op.
	ValueType string

	lit   *span // Value parsed by ValueType, set by Parse for literals
	loose bool  // from ParseSQL: the literal takes the type of the column it meets
}

type jsonExpr struct {
	Op        string  `json:"op"`
	Children  []*Expr `json:"children,omitempty"`
	Name      string  `json:"name,omitempty"`
	Value     *string `json:"value,omitempty"`
	ValueType string  `json:"valueType,omitempty"`
}

// MarshalJSON writes the protocol's JSON form of the tree. The leaves of a
// ParseSQL tree carry the types of the SQL constants ("string" for a quoted
// date, say) rather than the columns', so its JSON form may prune less.
func (e *Expr) MarshalJSON() ([]byte, error) {
	j := jsonExpr{Op: e.Op, Children: e.Children, Name: e.Name, ValueType: e.ValueType}
	if e.Op == OpLiteral || e.Value != "" {
		j.Value = &e.Value
	}
	return json.Marshal(j)
}

// rawExpr is what the JSON decoder reads, before validation.
type rawExpr struct {
	Op        *string         `json:"op"`
	Children  []*rawExpr      `json:"children"`
	Name      *string         `json:"name"`
	Value     json.RawMessage `json:"value"`
	ValueType *string         `json:"valueType"`
}

// Parse reads a jsonPredicateHints string: the JSON encoding of a predicate
// tree. It checks the tree the way the protocol describes it (known ops and
// value types, child counts, leaf operands of the same value type for
// comparisons, literals that parse as their type) and the size limits. An empty
// or blank text means no predicate: Parse returns nil and no error, and a nil
// *Expr matches every file.
//
// Unknown JSON members are ignored. A literal's value may be a JSON string or,
// leniently, a bare number or boolean.
func Parse(jsonText string) (*Expr, error) {
	if strings.TrimSpace(jsonText) == "" {
		return nil, nil
	}
	if len(jsonText) > MaxTextBytes {
		return nil, fmt.Errorf("predicate: hints are %d bytes, over the limit of %d", len(jsonText), MaxTextBytes)
	}
	// Each tree level is an object inside a children array: refuse deep
	// nesting before the recursive decoder sees it.
	if err := checkNesting(jsonText, 2*MaxDepth+1); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(jsonText))
	var raw *rawExpr
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("predicate: invalid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("predicate: invalid JSON: data after the predicate object")
	}
	nodes := 0
	e, err := raw.build(1, &nodes)
	if err != nil {
		return nil, err
	}
	if err := e.check(); err != nil {
		return nil, err
	}
	return e, nil
}

// checkNesting fails when arrays and objects nest deeper than max.
func checkNesting(text string, max int) error {
	depth, inString, escaped := 0, false, false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case inString:
			if escaped {
				escaped = false
			} else if c == '\\' {
				escaped = true
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			if depth++; depth > max {
				return fmt.Errorf("predicate: tree deeper than the limit of %d", MaxDepth)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

// build turns the decoded JSON into an Expr, counting nodes and depth.
func (r *rawExpr) build(depth int, nodes *int) (*Expr, error) {
	if r == nil {
		return nil, errors.New("predicate: null where an op was expected")
	}
	if depth > MaxDepth {
		return nil, fmt.Errorf("predicate: tree deeper than the limit of %d", MaxDepth)
	}
	if *nodes++; *nodes > MaxNodes {
		return nil, fmt.Errorf("predicate: tree has more than %d ops", MaxNodes)
	}
	if r.Op == nil {
		return nil, errors.New(`predicate: object without "op"`)
	}
	e := &Expr{Op: *r.Op}
	if r.Name != nil {
		e.Name = *r.Name
	}
	if r.ValueType != nil {
		e.ValueType = *r.ValueType
	}
	if v := bytes.TrimSpace(r.Value); len(v) > 0 && !bytes.Equal(v, []byte("null")) {
		switch v[0] {
		case '"':
			if err := json.Unmarshal(v, &e.Value); err != nil {
				return nil, fmt.Errorf("predicate: literal value: %w", err)
			}
		case '{', '[':
			return nil, errors.New("predicate: literal value must be a string")
		default: // a bare number or boolean
			e.Value = string(v)
		}
	} else if e.Op == OpLiteral {
		return nil, fmt.Errorf("predicate: literal (valueType %q) without a value", e.ValueType)
	}
	for _, c := range r.Children {
		ce, err := c.build(depth+1, nodes)
		if err != nil {
			return nil, err
		}
		e.Children = append(e.Children, ce)
	}
	return e, nil
}

// check validates a tree built by Parse or ParseSQL and caches literal values.
func (e *Expr) check() error {
	nodes := 0
	return e.checkNode(1, &nodes, true)
}

func (e *Expr) checkNode(depth int, nodes *int, boolean bool) error {
	if e == nil {
		return errors.New("predicate: missing op")
	}
	if depth > MaxDepth {
		return fmt.Errorf("predicate: tree deeper than the limit of %d", MaxDepth)
	}
	if *nodes++; *nodes > MaxNodes {
		return fmt.Errorf("predicate: tree has more than %d ops", MaxNodes)
	}
	switch e.Op {
	case OpColumn, OpLiteral:
		if len(e.Children) > 0 {
			return fmt.Errorf("predicate: %s op with children", e.Op)
		}
		if !supportedType(e.ValueType) {
			return fmt.Errorf("predicate: %s op: unsupported valueType %q", e.Op, e.ValueType)
		}
		if boolean && e.ValueType != TypeBool {
			return fmt.Errorf("predicate: %s op of valueType %q used as a condition", e.Op, e.ValueType)
		}
		if e.Op == OpColumn {
			if e.Name == "" {
				return errors.New("predicate: column op without a name")
			}
			return nil
		}
		sp, err := parseLiteral(e.ValueType, e.Value)
		if err != nil {
			return fmt.Errorf("predicate: literal %q: %w", e.Value, err)
		}
		e.lit = &sp
		return nil
	case OpIsNull:
		if len(e.Children) != 1 {
			return fmt.Errorf("predicate: isNull needs 1 child, has %d", len(e.Children))
		}
		if !e.Children[0].isLeaf() {
			return errors.New("predicate: isNull needs a column or literal child")
		}
		return e.Children[0].checkNode(depth+1, nodes, false)
	case OpNot:
		if len(e.Children) != 1 {
			return fmt.Errorf("predicate: not needs 1 child, has %d", len(e.Children))
		}
		return e.Children[0].checkNode(depth+1, nodes, true)
	case OpEqual, OpLessThan, OpLessThanOrEqual, OpGreaterThan, OpGreaterThanOrEqual:
		if len(e.Children) != 2 {
			return fmt.Errorf("predicate: %s needs 2 children, has %d", e.Op, len(e.Children))
		}
		a, b := e.Children[0], e.Children[1]
		if !a.isLeaf() || !b.isLeaf() {
			return fmt.Errorf("predicate: %s needs column or literal children", e.Op)
		}
		for _, c := range e.Children {
			if err := c.checkNode(depth+1, nodes, false); err != nil {
				return err
			}
		}
		if a.ValueType != b.ValueType {
			return fmt.Errorf("predicate: %s compares a %s with a %s", e.Op, a.ValueType, b.ValueType)
		}
		return nil
	case OpAnd, OpOr:
		if len(e.Children) < 2 {
			return fmt.Errorf("predicate: %s needs at least 2 children, has %d", e.Op, len(e.Children))
		}
		for _, c := range e.Children {
			if err := c.checkNode(depth+1, nodes, true); err != nil {
				return err
			}
		}
		return nil
	case "":
		return errors.New("predicate: empty op")
	default:
		return fmt.Errorf("predicate: unsupported op %q", e.Op)
	}
}

func (e *Expr) isLeaf() bool { return e != nil && (e.Op == OpColumn || e.Op == OpLiteral) }
