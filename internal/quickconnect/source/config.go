package source

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// The kinds of source.
const (
	KindSQL  = "sql"  // a query on a database
	KindFile = "file" // a CSV or JSON file
)

// The SQL drivers, as Config.Driver names them.
const (
	DriverPostgres  = "postgres"
	DriverMySQL     = "mysql" // MySQL and MariaDB
	DriverSQLServer = "sqlserver"
	DriverSQLite    = "sqlite"
)

// The file formats, as Config.Format names them.
const (
	FormatCSV    = "csv"
	FormatJSON   = "json"   // an array of objects, or NDJSON (told apart by the first byte)
	FormatNDJSON = "ndjson" // the same as json; also "jsonl"
)

// DefaultConnectTimeout bounds connecting to a database when
// Config.ConnectTimeout is zero.
const DefaultConnectTimeout = 30 * time.Second

// Config describes one source read: a query on a database, or a file. See the
// package comment for the YAML form and examples. Values other than Query may
// hold references to secrets ("${VAR}", "secret:name"), resolved by Open.
type Config struct {
	// Kind is "sql" or "file"; it may be left out when Driver (sql) or URL or
	// Path (file) is set.
	Kind string `yaml:"kind,omitempty"`

	// Driver is postgres (also postgresql, pgx), mysql (also mariadb),
	// sqlserver (also mssql) or sqlite (also sqlite3). SQL only.
	Driver string `yaml:"driver,omitempty"`
	// DSN says where the database is, in the driver's own form; see the
	// package comment. SQL only.
	DSN string `yaml:"dsn,omitempty"`
	// Query is the SELECT whose rows are read. SQL only.
	Query string `yaml:"query,omitempty"`
	// ConnectTimeout bounds connecting and logging in ("30s");
	// DefaultConnectTimeout when zero. SQL only.
	ConnectTimeout time.Duration `yaml:"connect_timeout,omitempty"`

	// URL is where the file is: http(s)://..., s3://bucket/key or
	// file:///path. File only; give URL or Path.
	URL string `yaml:"url,omitempty"`
	// Path is a local file. File only; give URL or Path.
	Path string `yaml:"path,omitempty"`
	// Format is csv, json or ndjson (jsonl); empty: from the name's extension,
	// then the Content-Type, then the first byte ('[' or '{' means JSON).
	Format string `yaml:"format,omitempty"`
	// Headers are sent with an http(s) request (e.g. an API key).
	Headers map[string]string `yaml:"headers,omitempty"`
	// Auth authenticates an http(s) request.
	Auth Auth `yaml:"auth,omitempty"`
	// S3 configures access to an s3:// URL.
	S3 S3 `yaml:"s3,omitempty"`
	// CSV configures reading CSV.
	CSV CSVOptions `yaml:"csv,omitempty"`
	// JSON configures reading JSON.
	JSON JSONOptions `yaml:"json,omitempty"`
}

// Auth is an HTTP authentication: Bearer, or Username and Password.
type Auth struct {
	// Bearer is sent as "Authorization: Bearer <token>".
	Bearer string `yaml:"bearer,omitempty"`
	// Username and Password are sent as basic auth.
	Username string `yaml:"username,omitempty"`
	// Password goes with Username.
	Password string `yaml:"password,omitempty"`
}

// S3 configures access to an S3 or S3-compatible server. Endpoint and Region
// may also be given in the URL's query (?endpoint=...&region=...), as in
// internal/blob/bloburl.
type S3 struct {
	// Endpoint is an S3-compatible server ("http://127.0.0.1:7070"), addressed
	// path-style unless VirtualHost; empty means AWS.
	Endpoint string `yaml:"endpoint,omitempty"`
	// Region of the bucket; from the AWS configuration, else us-east-1, when empty.
	Region string `yaml:"region,omitempty"`
	// VirtualHost addresses a custom Endpoint's buckets as subdomains.
	VirtualHost bool `yaml:"virtual_host,omitempty"`
	// AccessKey and SecretKey are static credentials; without them the
	// default AWS chain is used (environment, shared config, instance role).
	AccessKey string `yaml:"access_key,omitempty"`
	// SecretKey goes with AccessKey.
	SecretKey string `yaml:"secret_key,omitempty"`
}

// CSVOptions configure reading CSV.
type CSVOptions struct {
	// Delimiter separates fields: one character, "," when empty; "\t" or "tab"
	// for a tab.
	Delimiter string `yaml:"delimiter,omitempty"`
}

// JSONOptions configure reading JSON.
type JSONOptions struct {
	// Nested is "flatten" (the default: an object's fields become columns
	// named parent.child) or "json" (objects kept as JSON text). Arrays are
	// JSON text either way.
	Nested string `yaml:"nested,omitempty"`
}

// ParseConfig decodes a Config from YAML, refusing unknown fields, and checks it
// (Validate).
func ParseConfig(data []byte) (Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	return c, c.Validate()
}

// Validate checks that the Config is complete and consistent, without
// resolving its secrets or contacting anything. Its errors wrap ErrConfig.
func (c Config) Validate() error {
	_, err := c.normalize()
	return err
}

func configError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...))
}

// normalize validates the Config and returns it with its kind, driver and
// format spelled canonically.
func (c Config) normalize() (Config, error) {
	c.Kind = strings.ToLower(strings.TrimSpace(c.Kind))
	isSQL := c.Driver != "" || c.DSN != "" || c.Query != ""
	isFile := c.URL != "" || c.Path != ""
	if c.Kind == "" {
		switch {
		case isSQL && !isFile:
			c.Kind = KindSQL
		case isFile && !isSQL:
			c.Kind = KindFile
		default:
			return c, configError("give kind: sql (with driver, dsn, query) or kind: file (with url or path)")
		}
	}
	switch c.Kind {
	case KindSQL:
		return c.normalizeSQL()
	case KindFile:
		return c.normalizeFile()
	}
	return c, configError("unknown kind %q: use sql or file", c.Kind)
}

func (c Config) normalizeSQL() (Config, error) {
	switch strings.ToLower(strings.TrimSpace(c.Driver)) {
	case "postgres", "postgresql", "pgx":
		c.Driver = DriverPostgres
	case "mysql", "mariadb":
		c.Driver = DriverMySQL
	case "sqlserver", "mssql":
		c.Driver = DriverSQLServer
	case "sqlite", "sqlite3":
		c.Driver = DriverSQLite
	case "":
		return c, configError("a sql source needs a driver: postgres, mysql, sqlserver or sqlite")
	default:
		return c, configError("unknown driver %q: use postgres, mysql, sqlserver or sqlite", c.Driver)
	}
	if strings.TrimSpace(c.DSN) == "" {
		return c, configError("a sql source needs a dsn saying where the %s database is", c.Driver)
	}
	if strings.TrimSpace(c.Query) == "" {
		return c, configError("a sql source needs a query")
	}
	if c.ConnectTimeout < 0 {
		return c, configError("connect_timeout must not be negative")
	}
	var extra []string
	for name, set := range map[string]bool{
		"url": c.URL != "", "path": c.Path != "", "format": c.Format != "", "headers": len(c.Headers) > 0,
		"auth": c.Auth != Auth{}, "s3": c.S3 != S3{}, "csv": c.CSV != CSVOptions{}, "json": c.JSON != JSONOptions{},
	} {
		if set {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		return c, configError("a sql source does not take %s (those are for kind: file)", strings.Join(slices.Sorted(slices.Values(extra)), ", "))
	}
	return c, nil
}

func (c Config) normalizeFile() (Config, error) {
	if c.Driver != "" || c.DSN != "" || c.Query != "" || c.ConnectTimeout != 0 {
		return c, configError("a file source does not take driver, dsn, query or connect_timeout (those are for kind: sql)")
	}
	if (c.URL == "") == (c.Path == "") {
		return c, configError("a file source needs a url or a path (one of them)")
	}
	scheme := "file"
	if c.URL != "" {
		if hasReference(c.URL) {
			scheme = "" // unknown until resolved; Open checks again
		} else {
			u, err := url.Parse(c.URL)
			if err != nil {
				return c, configError("url %q cannot be parsed: %v", StripURL(c.URL), unwrapURLError(err))
			}
			switch scheme = strings.ToLower(u.Scheme); scheme {
			case "http", "https", "s3", "file":
			default:
				return c, configError("url %q: use http(s)://, s3://bucket/key or file:///path (or path: for a local file)", StripURL(c.URL))
			}
			if scheme != "file" && u.Host == "" {
				return c, configError("url %q has no host (or bucket)", StripURL(c.URL))
			}
		}
	}
	if scheme != "" {
		isHTTP := scheme == "http" || scheme == "https"
		if !isHTTP && (len(c.Headers) > 0 || c.Auth != Auth{}) {
			return c, configError("headers and auth are for http(s) URLs")
		}
		if scheme != "s3" && c.S3 != (S3{}) {
			return c, configError("s3 settings are for s3:// URLs")
		}
	}
	if c.Auth.Bearer != "" && (c.Auth.Username != "" || c.Auth.Password != "") {
		return c, configError("auth takes a bearer token or a username and password, not both")
	}
	if c.Auth.Password != "" && c.Auth.Username == "" {
		return c, configError("auth has a password but no username")
	}
	if (c.S3.AccessKey == "") != (c.S3.SecretKey == "") {
		return c, configError("s3 needs both access_key and secret_key, or neither (to use the default AWS credentials)")
	}
	switch f := strings.ToLower(strings.TrimSpace(c.Format)); f {
	case "", FormatCSV, FormatJSON:
		c.Format = f
	case FormatNDJSON, "jsonl":
		c.Format = FormatNDJSON
	default:
		return c, configError("unknown format %q: use csv, json or ndjson", c.Format)
	}
	if c.CSV != (CSVOptions{}) && c.Format != "" && c.Format != FormatCSV {
		return c, configError("csv settings are for format: csv")
	}
	if c.JSON != (JSONOptions{}) && c.Format == FormatCSV {
		return c, configError("json settings are for format: json or ndjson")
	}
	if _, err := csvDelimiter(c.CSV.Delimiter); err != nil {
		return c, err
	}
	switch strings.ToLower(c.JSON.Nested) {
	case "", "flatten", "json":
		c.JSON.Nested = strings.ToLower(c.JSON.Nested)
	default:
		return c, configError("json nested %q: use flatten or json", c.JSON.Nested)
	}
	return c, nil
}

// csvDelimiter returns the field delimiter a CSVOptions.Delimiter names.
func csvDelimiter(s string) (rune, error) {
	switch s {
	case "":
		return ',', nil
	case `\t`, "tab", "\t":
		return '\t', nil
	}
	r, size := utf8.DecodeRuneInString(s)
	if size != len(s) || r == utf8.RuneError || r == '"' || r == '\r' || r == '\n' {
		return 0, configError("csv delimiter %q: give one character other than a quote or a line break", s)
	}
	return r, nil
}

// formatFromName guesses the format from a file name or URL path's extension.
func formatFromName(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".csv", ".tsv", ".txt":
		return FormatCSV
	case ".json":
		return FormatJSON
	case ".ndjson", ".jsonl":
		return FormatNDJSON
	}
	return ""
}

// hasReference reports whether a configuration value refers to a secret or
// an environment variable.
func hasReference(v string) bool {
	return strings.HasPrefix(v, "secret:") || strings.Contains(v, "${")
}

// unwrapURLError drops url.Error's repetition of the URL (which may hold
// credentials).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// resolved is a validated Config with its references to secrets replaced, and
// a masker that knows the secret values.
type resolved struct {
	Config
	mask *masker
}

// resolve validates c and resolves its references.
func (c Config) resolve(secrets *Secrets) (*resolved, error) {
	n, err := c.normalize()
	if err != nil {
		return nil, err
	}
	r := &resolved{Config: n, mask: &masker{}}
	field := func(name string, p *string, secret bool) error {
		v, refs, err := secrets.resolve(*p)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrConfig, name, err)
		}
		*p = v
		r.mask.add(refs...)
		if secret {
			r.mask.add(v)
		}
		return nil
	}
	fields := []struct {
		name   string
		p      *string
		secret bool
	}{
		{"dsn", &r.DSN, false}, {"url", &r.URL, false}, {"path", &r.Path, false},
		{"auth.bearer", &r.Auth.Bearer, true}, {"auth.username", &r.Auth.Username, false},
		{"auth.password", &r.Auth.Password, true},
		{"s3.endpoint", &r.S3.Endpoint, false}, {"s3.region", &r.S3.Region, false},
		{"s3.access_key", &r.S3.AccessKey, false}, {"s3.secret_key", &r.S3.SecretKey, true},
	}
	for _, f := range fields {
		if err := field(f.name, f.p, f.secret); err != nil {
			return nil, err
		}
	}
	if len(n.Headers) > 0 {
		r.Headers = make(map[string]string, len(n.Headers))
		for k, v := range n.Headers {
			if err := field("headers."+k, &v, true); err != nil {
				return nil, err
			}
			r.Headers[k] = v
		}
	}
	r.mask.add(dsnSecrets(r.DSN)...)
	if r.URL != "" {
		r.mask.add(dsnSecrets(r.URL)...)
		// A reference may have hidden the scheme: check the URL again.
		if _, err := r.Config.normalizeFile(); err != nil {
			return nil, &sourceError{msg: r.mask.scrub(err.Error()), kind: ErrConfig}
		}
	}
	return r, nil
}

// dsnSecrets returns the password and secret parameters a DSN or URL holds, so
// that they can be scrubbed from the drivers' messages.
func dsnSecrets(dsn string) []string {
	var out []string
	if i := strings.Index(dsn, "://"); i > 0 && isScheme(dsn[:i]) {
		if u, err := url.Parse(dsn); err == nil {
			if p, ok := u.User.Password(); ok {
				out = append(out, p)
			}
			for k, vs := range u.Query() {
				if secretParam.MatchString(k) {
					out = append(out, vs...)
				}
			}
		}
		return out
	}
	re := kvSpace
	if strings.Contains(dsn, ";") {
		re = kvSemicolon
	}
	if kvStart.MatchString(dsn) {
		for _, m := range re.FindAllStringSubmatch(dsn, -1) {
			v := m[2]
			if len(v) >= 2 && (v[0] == '\'' || v[0] == '"' || v[0] == '{') {
				v = v[1 : len(v)-1]
			}
			out = append(out, v)
		}
		return out
	}
	if start, end, ok := mysqlPassword(dsn); ok {
		out = append(out, dsn[start:end])
	}
	return out
}
