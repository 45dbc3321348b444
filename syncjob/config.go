// Package syncjob is `orderhist sync`, the nightly job: the configuration
// file (orderhist.yaml) and its sources — folders where exports are
// dropped, and order APIs — read incrementally into one import run.
//
// A files source reads only the exports it has not read before, by content
// hash; an API source pulls from its saved cursor minus its look-back
// window. Each source's state (dataset.SourceState) is saved only after
// the data it covers is committed, at the end of the run or at a long
// pull's checkpoint, so a run killed in between reads that data again
// (merged, never duplicated) rather than losing it.
//
// The configuration is checked whole before anything runs: unknown keys,
// connector options and API settings are refused naming the valid ones,
// ${VAR} references must be set, and relative paths are resolved against
// the configuration file's folder, since cron runs elsewhere.
package syncjob

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/orderhist/orderhist/backend/s3"
	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/dedupe"
)

// Config is orderhist.yaml.
type Config struct {
	Out         string `yaml:"out"`
	PII         string `yaml:"pii"`
	MatchWeight string `yaml:"match_weight"` // as --match-weight
	// SnapshotRetention is as --snapshot-retention.
	SnapshotRetention string   `yaml:"snapshot_retention"`
	Segments          Segments `yaml:"segments"`
	// Catalog registers and commits the tables in a shared Iceberg
	// catalog.
	Catalog *Catalog `yaml:"catalog"`
	// S3 says how to reach the S3 service when out is s3://BUCKET/PREFIX.
	S3      *S3      `yaml:"s3"`
	Sources []Source `yaml:"sources"`

	// Weight is MatchWeight read (dedupe.ParseMatchWeight); 0 when unset.
	Weight float64 `yaml:"-"`
	// Retention is SnapshotRetention read; 0 when unset.
	Retention time.Duration `yaml:"-"`
}

// Catalog is the catalog: block, Iceberg's SQL (JDBC) catalog in
// PostgreSQL. uri usually comes from the environment (${VAR}): it holds the
// password.
type Catalog struct {
	Type      string `yaml:"type"`
	URI       string `yaml:"uri"`
	Namespace string `yaml:"namespace"`
	// Name is the catalog_name of its rows, the name the engines give the
	// catalog; dataset.DefaultCatalogName when empty.
	Name string `yaml:"name"`
}

// S3 is the s3: block: the service (endpoint, region, addressing) and where
// the dataset's working copy is kept. Credentials are never in it: they come
// from the AWS variables or a profile.
type S3 struct {
	// Endpoint, Region and VirtualHosted are as s3.Config's.
	Endpoint      string `yaml:"endpoint"`
	Region        string `yaml:"region"`
	VirtualHosted bool   `yaml:"virtual_hosted"`
	// WorkDir holds the working copies of datasets in S3; the user's cache
	// folder when empty.
	WorkDir string `yaml:"work_dir"`
}

// Remote is the block as the dataset package takes it.
func (c *S3) Remote() dataset.RemoteOptions {
	if c == nil {
		return dataset.RemoteOptions{}
	}
	return dataset.RemoteOptions{S3: s3.Config{Endpoint: c.Endpoint, Region: c.Region, VirtualHosted: c.VirtualHosted}, WorkDir: c.WorkDir}
}

// Dataset is the block as the dataset package takes it.
func (c *Catalog) Dataset() dataset.CatalogConfig {
	return dataset.CatalogConfig{URI: c.URI, Name: c.Name, Namespace: c.Namespace}
}

func (c *Catalog) check() error {
	if c.Type != "sql" {
		return fmt.Errorf("catalog: type %q: the only catalog type is sql", c.Type)
	}
	if err := c.Dataset().Check(); err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	return nil
}

// Segments are the customer segment rules and the seller's time zone, as
// --tz, --inactive-days and --recurring-orders give them to import, report
// and export: a nightly sync rewrites customers.segment, so it must place
// customers by the rules the seller's reports use.
type Segments struct {
	Timezone        string `yaml:"timezone"`
	InactiveDays    string `yaml:"inactive_days"`
	RecurringOrders string `yaml:"recurring_orders"`

	// Inactive and Recurring are the numbers read; 0 when unset.
	Inactive, Recurring int `yaml:"-"`
}

func (s *Segments) check() error {
	var errs []error
	if s.Timezone != "" {
		if _, err := time.LoadLocation(s.Timezone); err != nil {
			errs = append(errs, fmt.Errorf("segments.timezone: unknown time zone %q (an IANA name such as America/Sao_Paulo)", s.Timezone))
		}
	}
	days := func(key, v string, n *int) {
		if v == "" {
			return
		}
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 1 {
			errs = append(errs, fmt.Errorf("segments.%s: %q must be a whole number of at least 1", key, v))
			return
		}
		*n = i
	}
	days("inactive_days", s.InactiveDays, &s.Inactive)
	days("recurring_orders", s.RecurringOrders, &s.Recurring)
	return errors.Join(errs...)
}

// Source is one source: a folder where exports are dropped, or an API.
type Source struct {
	Name      string            `yaml:"name"`
	Connector string            `yaml:"connector"`
	Account   string            `yaml:"account"`
	Files     string            `yaml:"files"`
	API       map[string]string `yaml:"api"`
	Options   map[string]string `yaml:"options"`
	Start     string            `yaml:"start"`
	Lookback  string            `yaml:"lookback"`

	start    time.Time
	lookback time.Duration
}

// DefaultLookback is how far before its cursor an API source pulls again
// when the configuration does not say.
const DefaultLookback = 72 * time.Hour

// ConfigError is a configuration that cannot be used: the file cannot be
// read, or a key or value in it is wrong. The message names the key.
type ConfigError struct {
	Path string // the configuration file
	Err  error
}

func (e *ConfigError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

var sourceName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// varRef is ${NAME}; a lone $ is left alone so passwords may hold one.
var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// ConfigPath is the --config flag, else $ORDERHIST_CONFIG, else
// ./orderhist.yaml.
func ConfigPath(flag string, getenv func(string) string) string {
	switch {
	case flag != "":
		return flag
	case getenv("ORDERHIST_CONFIG") != "":
		return getenv("ORDERHIST_CONFIG")
	}
	return "orderhist.yaml"
}

// Load reads and checks the sync configuration at path, expanding ${VAR}
// with getenv. Every problem is a *ConfigError naming the key: unknown
// keys, options and settings, variables that are not set, values that are
// not valid. Relative paths in it come back resolved against its folder.
func Load(path string, getenv func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &ConfigError{Path: "configuration", Err: err}
	}
	fail := func(err error) (*Config, error) { return nil, &ConfigError{Path: path, Err: err} }
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return fail(errors.New(strings.TrimPrefix(err.Error(), "yaml: ")))
	}
	var c Config
	if len(root.Content) > 0 { // an empty file is an empty configuration
		if err := checkShape(root.Content[0], "", reflect.TypeFor[Config]()); err != nil {
			return fail(err)
		}
		if err := expandNode(&root, "", getenv); err != nil {
			return fail(err)
		}
		expanded, err := yaml.Marshal(&root)
		if err != nil {
			return fail(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(expanded))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil {
			// checkShape refuses what the decoder would; its own words
			// name Go types, which mean nothing to a seller.
			return fail(fmt.Errorf("the configuration cannot be read: %s", goTypes.ReplaceAllString(strings.TrimPrefix(err.Error(), "yaml: "), "")))
		}
	}
	if err := c.check(); err != nil {
		return fail(err)
	}
	c.resolve(filepath.Dir(path))
	return &c, nil
}

// goTypes is the part of a YAML decoding error that names a Go type.
var goTypes = regexp.MustCompile(` (into|in type) \S+`)

// checkShape refuses unknown keys, naming the valid ones, and values of
// the wrong shape (a list where one value belongs), before the decoder
// could answer in Go type names. t is the struct the mapping n fills.
func checkShape(n *yaml.Node, path string, t reflect.Type) error {
	n = resolveAlias(n)
	if n.Kind != yaml.MappingNode {
		if isNull(n) {
			return nil
		}
		return lineErr(n, path, "must be a set of keys (key: value)")
	}
	var valid []string
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if tag := strings.Split(f.Tag.Get("yaml"), ",")[0]; f.IsExported() && tag != "" && tag != "-" {
			valid = append(valid, tag)
			fields[tag] = f.Type
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolveAlias(n.Content[i+1])
		if k.Value == "<<" { // a YAML merge: the merged keys are checked as these
			if err := checkMerge(v, path, t); err != nil {
				return err
			}
			continue
		}
		p := join(path, k.Value)
		ft, ok := fields[k.Value]
		if !ok {
			return lineErr(k, path, fmt.Sprintf("unknown key %s; valid: %s", k.Value, strings.Join(valid, ", ")))
		}
		switch ft.Kind() {
		case reflect.String:
			if v.Kind != yaml.ScalarNode {
				return lineErr(v, p, "must be a single value, not a list or a set of keys")
			}
		case reflect.Map:
			if isNull(v) {
				continue
			}
			if v.Kind != yaml.MappingNode {
				return lineErr(v, p, "must be a set of keys (key: value)")
			}
			for j := 1; j < len(v.Content); j += 2 {
				if resolveAlias(v.Content[j]).Kind != yaml.ScalarNode {
					return lineErr(v.Content[j], join(p, v.Content[j-1].Value), "must be a single value")
				}
			}
		case reflect.Struct:
			if err := checkShape(v, p, ft); err != nil {
				return err
			}
		case reflect.Pointer:
			if err := checkShape(v, p, ft.Elem()); err != nil {
				return err
			}
		case reflect.Slice:
			if isNull(v) {
				continue
			}
			if v.Kind != yaml.SequenceNode {
				return lineErr(v, p, "must be a list (each item starting with -)")
			}
			for j, item := range v.Content {
				if err := checkShape(item, fmt.Sprintf("%s[%d]", p, j), ft.Elem()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func checkMerge(v *yaml.Node, path string, t reflect.Type) error {
	if v.Kind == yaml.SequenceNode {
		for _, m := range v.Content {
			if err := checkShape(m, path, t); err != nil {
				return err
			}
		}
		return nil
	}
	return checkShape(v, path, t)
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func lineErr(n *yaml.Node, path, msg string) error {
	if path == "" {
		return fmt.Errorf("line %d: %s", n.Line, msg)
	}
	return fmt.Errorf("line %d: %s: %s", n.Line, path, msg)
}

// expandNode replaces ${VAR} in every scalar value, naming the key of a
// variable that is not set.
func expandNode(n *yaml.Node, path string, getenv func(string) string) error {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for i, c := range n.Content {
			p := path
			if n.Kind == yaml.SequenceNode {
				p = fmt.Sprintf("%s[%d]", path, i)
			}
			if err := expandNode(c, p, getenv); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := expandNode(n.Content[i+1], join(path, n.Content[i].Value), getenv); err != nil {
				return err
			}
		}
	case yaml.ScalarNode:
		var missing []string
		n.Value = varRef.ReplaceAllStringFunc(n.Value, func(ref string) string {
			name := varRef.FindStringSubmatch(ref)[1]
			v := getenv(name)
			if v == "" {
				missing = append(missing, name)
			}
			return v
		})
		if len(missing) > 0 {
			return fmt.Errorf("%s: environment variable %s is not set", path, strings.Join(missing, ", "))
		}
	}
	return nil
}

func (c *Config) check() error {
	var errs []error
	switch c.PII {
	case "", "clear", "hash", "drop":
	default:
		errs = append(errs, fmt.Errorf("pii: %q must be clear, hash or drop", c.PII))
	}
	if c.SnapshotRetention != "" {
		d, err := dataset.ParseRetention(c.SnapshotRetention)
		if err != nil {
			errs = append(errs, fmt.Errorf("snapshot_retention: %w", err))
		}
		c.Retention = d
	}
	if c.MatchWeight != "" {
		w, err := dedupe.ParseMatchWeight(c.MatchWeight)
		if err != nil {
			errs = append(errs, fmt.Errorf("match_weight: %w", err))
		}
		c.Weight = w
	}
	if err := c.Segments.check(); err != nil {
		errs = append(errs, err)
	}
	if c.Catalog != nil {
		if err := c.Catalog.check(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := dataset.CheckLocation(c.Out); err != nil {
		errs = append(errs, fmt.Errorf("out: %w", err))
	}
	if c.S3 != nil && !dataset.IsRemote(c.Out) {
		errs = append(errs, fmt.Errorf("s3: the block is set but out %q is not an s3:// location", c.Out))
	}
	if len(c.Sources) == 0 {
		errs = append(errs, errors.New("sources: the configuration names no source"))
	}
	seen := map[string]bool{}
	for i := range c.Sources {
		s := &c.Sources[i]
		where := fmt.Sprintf("sources[%d]", i)
		if s.Name != "" {
			where = fmt.Sprintf("sources[%d] (%s)", i, s.Name)
		}
		if err := s.check(seen); err != nil {
			errs = append(errs, fmt.Errorf("%s.%w", where, err))
		}
	}
	return errors.Join(errs...)
}

func (s *Source) check(seen map[string]bool) error {
	switch {
	case !sourceName.MatchString(s.Name):
		return fmt.Errorf("name: %q must be lower-case letters, digits, '-' or '_' (it names the source's state)", s.Name)
	case seen[s.Name]:
		return fmt.Errorf("name: %q is used by another source", s.Name)
	}
	seen[s.Name] = true
	c, ok := connectors.Lookup(s.Connector)
	if !ok {
		return fmt.Errorf("connector: no connector named %q (known: %s)", s.Connector, strings.Join(connectors.Names(), ", "))
	}
	if s.Account == "" {
		s.Account = "main"
	}
	switch {
	case s.Files == "" && len(s.API) == 0:
		return errors.New("files: a source reads either files (a glob) or an api")
	case s.Files != "" && len(s.API) > 0:
		return errors.New("api: a source reads either files or an api, not both; make two sources")
	case s.Files != "":
		if _, ok := c.(connectors.FileReader); !ok {
			return fmt.Errorf("files: the %s connector does not read files", s.Connector)
		}
		if _, err := filepath.Match(s.Files, ""); err != nil {
			return fmt.Errorf("files: %q is not a valid pattern: %w", s.Files, err)
		}
		if err := connectors.CheckFileOptions(s.Connector, s.Options); err != nil {
			return fmt.Errorf("options: %w", err)
		}
	default:
		if _, ok := c.(connectors.APIPuller); !ok {
			return fmt.Errorf("api: the %s connector has no API puller in this version", s.Connector)
		}
		if len(s.Options) > 0 {
			return errors.New("options: options are for files sources; an API source's settings go under api:")
		}
		if err := connectors.CheckAPISettings(c, s.API); err != nil {
			return fmt.Errorf("api: %w", err)
		}
	}
	if s.Start != "" {
		t, err := time.Parse(time.DateOnly, s.Start)
		if err != nil {
			return fmt.Errorf("start: %q must be a date like 2025-01-01", s.Start)
		}
		s.start = t
	}
	s.lookback = DefaultLookback
	if s.Lookback != "" {
		d, err := parseDuration(s.Lookback)
		if err != nil || d < 0 {
			return fmt.Errorf("lookback: %q must be a duration like 72h or 3d", s.Lookback)
		}
		s.lookback = d
	}
	return nil
}

// resolve makes the relative paths of a checked configuration relative to
// dir, its file's folder: the dataset folder, the files patterns, and the
// connector options that name files.
func (c *Config) resolve(dir string) {
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	if !dataset.IsRemote(c.Out) {
		c.Out = abs(c.Out)
	}
	if c.S3 != nil {
		c.S3.WorkDir = abs(c.S3.WorkDir)
	}
	for i := range c.Sources {
		s := &c.Sources[i]
		s.Files = abs(s.Files)
		if len(s.Options) == 0 {
			continue
		}
		conn, _ := connectors.Lookup(s.Connector)
		for _, o := range conn.Info().Options {
			if v, ok := s.Options[o.Name]; ok && o.Path {
				s.Options[o.Name] = abs(v)
			}
		}
	}
}

// parseDuration accepts Go durations and whole days ("3d").
func parseDuration(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil {
			return 0, err
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}
