package mapping

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	sg "github.com/trestle-dev/trestle/internal/suggest"
)

// ParseError is every problem found in a mapping file. Parse returns one when
// the mapping cannot be used.
type ParseError struct {
	Problems []ParseProblem `json:"problems"`
}

// ParseProblem is one problem in a mapping file.
type ParseProblem struct {
	// Line is the line of the YAML file, from 1; 0 for the file as a whole.
	Line int `json:"line,omitempty"`
	// Setting is the path of the setting, e.g. "people.fields.hired_date.format".
	Setting string `json:"setting,omitempty"`
	// Message says what is wrong in plain words and what to write instead.
	Message string `json:"message"`
}

// Error reads like
//
//	line 12, people.fields.hired_date.format: "MM-DD" is not a date format with a year, a month and a day; ...
func (p ParseProblem) Error() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d", p.Line)
	}
	if p.Setting != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.Setting)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error lists the problems on one line, each with its line and setting.
func (e *ParseError) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		b.WriteString("mapping ")
	} else {
		fmt.Fprintf(&b, "the mapping has %d problems: ", len(e.Problems))
	}
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// parser collects the problems of a mapping as it reads it.
type parser struct {
	problems []ParseProblem
}

func (p *parser) errorf(n *yaml.Node, setting, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.problems = append(p.problems, ParseProblem{Line: line, Setting: setting, Message: fmt.Sprintf(format, args...)})
}

func (p *parser) err() error {
	if len(p.problems) == 0 {
		return nil
	}
	slices.SortStableFunc(p.problems, func(a, b ParseProblem) int { return a.Line - b.Line })
	return &ParseError{Problems: p.problems}
}

var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// yamlError turns the YAML library's syntax error into a problem.
func yamlError(err error) *ParseError {
	msg := err.Error()
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	return &ParseError{Problems: []ParseProblem{{Line: line, Message: "the file is not valid YAML: " + msg}}}
}

// resolve follows an alias (*name) to its anchor.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// object is a YAML mapping of settings, with every key known.
type object struct {
	path string
	node *yaml.Node
	keys []string
	key  map[string]*yaml.Node // key node by key
	val  map[string]*yaml.Node // value node by key
}

// object reads n as a mapping of settings. Keys not in allowed (when allowed is
// not nil) and keys given twice are reported; what names the thing for
// messages. It returns nil when n is not a mapping.
func (p *parser) object(n *yaml.Node, path, what string, allowed []string) *object {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		p.errorf(n, path, "must be %s, not %s", what, describe(n))
		return nil
	}
	o := &object{path: path, node: n, key: map[string]*yaml.Node{}, val: map[string]*yaml.Node{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, path, "has a key that is not a name")
			continue
		}
		name := k.Value
		if _, dup := o.key[name]; dup {
			p.errorf(k, path, "%q is given twice (first on line %d); keep one", name, o.key[name].Line)
			continue
		}
		if allowed != nil && !slices.Contains(allowed, name) {
			p.errorf(k, path, "%q is not a known setting%s", name, suggest(name, allowed))
			continue
		}
		o.keys = append(o.keys, name)
		o.key[name], o.val[name] = k, v
	}
	return o
}

func (o *object) has(key string) bool { _, ok := o.val[key]; return ok }

// get returns the value node of key, or nil.
func (o *object) get(key string) *yaml.Node { return o.val[key] }

// at is the path of a setting of the object.
func (o *object) at(key string) string {
	if o.path == "" {
		return key
	}
	return o.path + "." + key
}

// scalar reads a single value (text, number or yes/no as written). Null is "".
func (p *parser) scalar(n *yaml.Node, path, what string) (string, bool) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		p.errorf(n, path, "must be %s, not a list or a group of settings", what)
		return "", false
	}
	if isNull(n) {
		return "", true
	}
	return n.Value, true
}

// name reads a non-empty single value, such as a column name.
func (p *parser) name(n *yaml.Node, path, what string) (string, bool) {
	s, ok := p.scalar(n, path, what)
	if ok && strings.TrimSpace(s) == "" {
		p.errorf(n, path, "is empty; give %s", what)
		return "", false
	}
	return strings.TrimSpace(s), ok
}

// boolean reads true or false.
func (p *parser) boolean(n *yaml.Node, path string) (bool, bool) {
	s, ok := p.scalar(n, path, "true or false")
	if !ok {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true", "yes", "on", "y":
		return true, true
	case "false", "no", "off", "n":
		return false, true
	}
	p.errorf(n, path, "%q is not true or false", s)
	return false, false
}

// list reads one value or a list of values ([a, b] or one per "- " line).
func (p *parser) list(n *yaml.Node, path, what string) ([]string, bool) {
	n = resolve(n)
	switch {
	case n != nil && n.Kind == yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		ok := true
		for i, e := range n.Content {
			s, good := p.scalar(e, fmt.Sprintf("%s[%d]", path, i), what)
			ok = ok && good
			out = append(out, s)
		}
		return out, ok
	case n != nil && n.Kind == yaml.ScalarNode:
		s, ok := p.scalar(n, path, what)
		return []string{s}, ok
	}
	p.errorf(n, path, "must be %s or a list of them, not a group of settings", what)
	return nil, false
}

// describe says what a node is, for messages.
func describe(n *yaml.Node) string {
	switch {
	case n == nil || isNull(n):
		return "empty"
	case n.Kind == yaml.ScalarNode:
		return fmt.Sprintf("the value %q", n.Value)
	case n.Kind == yaml.SequenceNode:
		return "a list"
	}
	return "a group of settings"
}

// isNull reports an explicit null (~, null, or nothing after the colon).
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// suggest says "; did you mean x?" for the allowed name closest to name, or
// lists the allowed names.
func suggest(name string, allowed []string) string {
	want := strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(name))
	best, bestDist := "", 3
	for _, a := range allowed {
		if a == want {
			return "; did you mean " + a + "?"
		}
		if d := sg.Distance(want, a); d < bestDist && len(a) > 3 {
			best, bestDist = a, d
		}
	}
	if best != "" {
		return "; did you mean " + best + "?"
	}
	if len(allowed) <= 16 {
		return "; use " + orList(allowed)
	}
	return ""
}

// orList writes a, b or c.
func orList(values []string) string {
	switch len(values) {
	case 0:
		return ""
	case 1:
		return values[0]
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}
