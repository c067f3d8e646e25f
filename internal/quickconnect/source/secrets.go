package source

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Secrets holds the entries of a secrets file, which configurations refer to as
// "secret:name" or "${secret:name}". The zero value and nil hold none.
type Secrets struct {
	path   string
	values map[string]string
}

// LoadSecrets reads a secrets file: a YAML mapping from names to strings,
//
//	erp_db_password: "s3cr3t"
//	roster_token: "eyJhbGciOi..."
//
// Its errors never quote the values.
func LoadSecrets(path string) (*Secrets, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: secrets file: %v", ErrConfig, err)
	}
	var node yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&node); err != nil {
		// yaml's syntax errors give a line, not the text.
		return nil, fmt.Errorf("%w: secrets file %s is not valid YAML: %v", ErrConfig, path, err)
	}
	values := map[string]string{}
	if len(node.Content) > 0 {
		m := node.Content[0]
		if m.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%w: secrets file %s must be a mapping of names to strings", ErrConfig, path)
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i], m.Content[i+1]
			if k.Kind != yaml.ScalarNode || v.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("%w: secrets file %s, line %d: each entry must be name: string", ErrConfig, path, k.Line)
			}
			if _, dup := values[k.Value]; dup {
				return nil, fmt.Errorf("%w: secrets file %s, line %d: %q is given twice", ErrConfig, path, k.Line, k.Value)
			}
			values[k.Value] = v.Value
		}
	}
	return &Secrets{path: path, values: values}, nil
}

// NewSecrets returns Secrets holding values (name to secret), for secrets kept
// elsewhere than in a file.
func NewSecrets(values map[string]string) *Secrets {
	return &Secrets{path: "(given)", values: values}
}

// lookup returns the named secret.
func (s *Secrets) lookup(name string) (string, error) {
	if s == nil || s.values == nil {
		return "", fmt.Errorf("the configuration refers to secret %q, but no secrets file was given", name)
	}
	v, ok := s.values[name]
	if !ok {
		return "", fmt.Errorf("secret %q is not in the secrets file %s", name, s.path)
	}
	return v, nil
}

// Resolve returns value with its references replaced: a whole value
// "secret:name" by the secret, "${secret:name}" by the secret, "${VAR}" by the
// environment variable VAR, "$${" by "${". It fails, naming the reference, if
// a secret or variable is missing. Resolve works on a nil *Secrets (for
// environment variables only).
func (s *Secrets) Resolve(value string) (string, error) {
	out, _, err := s.resolve(value)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrConfig, err)
	}
	return out, nil
}

// resolve is Resolve that also returns the values that came from references
// (to be masked).
func (s *Secrets) resolve(value string) (string, []string, error) {
	if name, ok := strings.CutPrefix(value, "secret:"); ok {
		v, err := s.lookup(strings.TrimSpace(name))
		return v, []string{v}, err
	}
	if !strings.Contains(value, "${") {
		return value, nil, nil
	}
	var b strings.Builder
	var found []string
	rest := value
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			b.WriteString(rest)
			break
		}
		if i > 0 && rest[i-1] == '$' { // "$${": a literal "${"
			b.WriteString(rest[:i-1])
			b.WriteString("${")
			rest = rest[i+2:]
			continue
		}
		b.WriteString(rest[:i])
		end := strings.IndexByte(rest[i:], '}')
		if end < 0 {
			return "", nil, errors.New(`"${" without a closing "}"`)
		}
		ref := rest[i+2 : i+end]
		rest = rest[i+end+1:]
		var v string
		if name, ok := strings.CutPrefix(ref, "secret:"); ok {
			var err error
			if v, err = s.lookup(strings.TrimSpace(name)); err != nil {
				return "", nil, err
			}
		} else {
			if !isEnvName(ref) {
				return "", nil, fmt.Errorf("${%s} is not a reference: use ${VARIABLE} or ${secret:name}", ref)
			}
			var ok bool
			if v, ok = os.LookupEnv(ref); !ok {
				return "", nil, fmt.Errorf("environment variable %s is not set", ref)
			}
		}
		b.WriteString(v)
		found = append(found, v)
	}
	return b.String(), found, nil
}

// isEnvName reports whether s is an environment variable name.
func isEnvName(s string) bool {
	for i, c := range s {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}
