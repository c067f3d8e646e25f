package source

import (
	"net/url"
	"regexp"
	"strings"
)

// Masked stands for a hidden secret in messages.
const Masked = "***"

// MaskDSN returns dsn with its password hidden (replaced by "***"), for errors,
// logs and run history. It understands the forms the drivers take:
//
//	postgres://user:pass@host:5432/db?sslmode=require     URL (also sqlserver://, mysql://)
//	host=db user=erp password='p w' dbname=erp             PostgreSQL key=value
//	server=db;user id=erp;password={p;w};database=erp      SQL Server / ADO / ODBC key=value
//	user:pass@tcp(host:3306)/db?parseTime=true             go-sql-driver/mysql
//
// In URLs the query parameters that carry secrets (password, token, secret,
// signature, credential, key...) are hidden too. A DSN it cannot parse keeps
// nothing between "://" and the last "@". The user name stays visible.
func MaskDSN(dsn string) string {
	if i := strings.Index(dsn, "://"); i > 0 && isScheme(dsn[:i]) {
		return maskURL(dsn)
	}
	if kvStart.MatchString(dsn) {
		return maskKeyValues(dsn)
	}
	return maskMySQL(dsn)
}

// isScheme reports whether s is a URL scheme (letters, digits, + - .).
func isScheme(s string) bool {
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// secretParam matches the names of URL query parameters and DSN keys whose
// values are secrets.
var secretParam = regexp.MustCompile(`(?i)(pass|pwd|secret|token|signature|^sig$|credential|api[_-]?key|^key$|auth)`)

// maskURL hides the password of the URL's user information and the values of
// its secret query parameters.
func maskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		// Not parseable: hide the whole user information, if any.
		i := strings.Index(raw, "://") + 3
		if at := strings.LastIndex(raw, "@"); at > i {
			return raw[:i] + Masked + raw[at:]
		}
		return raw
	}
	changed := false
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), Masked)
			changed = true
		}
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			u.RawQuery = Masked
			changed = true
		} else {
			for k, vs := range q {
				if secretParam.MatchString(k) {
					for i := range vs {
						vs[i] = Masked
					}
					changed = true
				}
			}
			if changed {
				u.RawQuery = q.Encode()
			}
		}
	}
	if !changed {
		return raw
	}
	return strings.ReplaceAll(u.String(), "%2A%2A%2A", Masked)
}

// StripURL returns the URL for messages: without user information and with
// the values of secret query parameters hidden.
func StripURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return MaskDSN(raw)
	}
	u.User = nil
	return maskURL(u.String())
}

var (
	// kvStart matches the start of a key=value DSN: a key, spaces allowed, then "=".
	kvStart = regexp.MustCompile(`^\s*[A-Za-z_][A-Za-z0-9_ .]*\s*=`)
	// kvSpace matches a secret in a space-separated key=value DSN (PostgreSQL),
	// whose values may be quoted with single quotes.
	kvSpace = regexp.MustCompile(`(?i)((?:^|\s)(?:password|passwd|pwd|sslpassword|secret)\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s]*)`)
	// kvSemicolon matches a secret in a semicolon-separated DSN (SQL Server,
	// ODBC), whose values may be quoted with braces or double quotes.
	kvSemicolon = regexp.MustCompile(`(?i)((?:^|;)\s*(?:password|passwd|pwd|secret)\s*=\s*)(\{(?:[^}]|\}\})*\}?|"(?:[^"]|"")*"?|[^;]*)`)
)

// maskKeyValues hides the secret values of a key=value DSN.
func maskKeyValues(dsn string) string {
	re := kvSpace
	if strings.Contains(dsn, ";") {
		re = kvSemicolon
	}
	return re.ReplaceAllString(dsn, "${1}"+Masked)
}

// maskMySQL hides the password of a go-sql-driver/mysql DSN,
// [user[:password]@][net[(addr)]]/dbname[?params], parsed the way the driver
// does: the last "/" ends the address, the last "@" before it ends the user
// information, whose first ":" starts the password.
func maskMySQL(dsn string) string {
	start, end, ok := mysqlPassword(dsn)
	if !ok {
		return dsn
	}
	return dsn[:start] + Masked + dsn[end:]
}

// mysqlPassword returns where the password of a go-sql-driver/mysql DSN is.
func mysqlPassword(dsn string) (start, end int, ok bool) {
	slash := strings.LastIndex(dsn, "/")
	if slash < 0 {
		slash = len(dsn)
	}
	at := strings.LastIndex(dsn[:slash], "@")
	if at < 0 {
		return 0, 0, false
	}
	colon := strings.Index(dsn[:at], ":")
	if colon < 0 {
		return 0, 0, false
	}
	return colon + 1, at, true
}

// masker replaces known secret values in messages, whatever form the message
// gives them. A nil masker changes nothing.
type masker struct {
	secrets []string
}

// add records secret values to hide. Values shorter than 4 bytes are not
// searched for in messages (they would hide ordinary words); the structural
// masking of MaskDSN and StripURL still hides them.
func (m *masker) add(values ...string) {
	for _, v := range values {
		if len(v) < 4 {
			continue
		}
		m.secrets = append(m.secrets, v)
		for _, esc := range []string{url.QueryEscape(v), url.PathEscape(v)} {
			if esc != v {
				m.secrets = append(m.secrets, esc)
			}
		}
	}
}

// scrub returns s with every recorded secret replaced by "***".
func (m *masker) scrub(s string) string {
	if m == nil {
		return s
	}
	for _, v := range m.secrets {
		s = strings.ReplaceAll(s, v, Masked)
	}
	return s
}
