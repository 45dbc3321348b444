package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/orderhist/orderhist/connectors"
)

// syncConfig is orderhist.yaml.
type syncConfig struct {
	Out     string         `yaml:"out"`
	PII     string         `yaml:"pii"`
	Sources []sourceConfig `yaml:"sources"`

	// MatchWeight is as --match-weight.
	MatchWeight string `yaml:"match_weight"`
}

// sourceConfig is one source: a folder where exports are dropped, or an API.
type sourceConfig struct {
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

var sourceName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// varRef is ${NAME}; a lone $ is left alone so passwords may hold one.
var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// loadConfig reads the sync configuration. Every problem names the key:
// unknown keys, variables that are not set, values that are not valid.
func loadConfig(path string, getenv func(string) string) (*syncConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErrorf("configuration: %v", err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, usageErrorf("%s: %v", path, err)
	}
	if err := expandNode(&root, "", getenv); err != nil {
		return nil, usageErrorf("%s: %v", path, err)
	}
	expanded, err := yaml.Marshal(&root)
	if err != nil {
		return nil, err
	}
	var c syncConfig
	dec := yaml.NewDecoder(bytes.NewReader(expanded))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, usageErrorf("%s: %v", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if err := c.check(); err != nil {
		return nil, usageErrorf("%s: %v", path, err)
	}
	return &c, nil
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
			p := n.Content[i].Value
			if path != "" {
				p = path + "." + p
			}
			if err := expandNode(n.Content[i+1], p, getenv); err != nil {
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

func (c *syncConfig) check() error {
	var errs []error
	switch c.PII {
	case "", "clear", "hash", "drop":
	default:
		errs = append(errs, fmt.Errorf("pii: %q must be clear, hash or drop", c.PII))
	}
	if c.MatchWeight != "" {
		if _, err := parseMatchWeight(c.MatchWeight); err != nil {
			errs = append(errs, fmt.Errorf("match_weight: %w", err))
		}
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

func (s *sourceConfig) check(seen map[string]bool) error {
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
	default:
		if !pullsAPI(c) {
			return fmt.Errorf("api: the %s connector has no API puller in this version", s.Connector)
		}
	}
	if s.Start != "" {
		t, err := time.Parse(time.DateOnly, s.Start)
		if err != nil {
			return fmt.Errorf("start: %q must be a date like 2025-01-01", s.Start)
		}
		s.start = t
	}
	s.lookback = 72 * time.Hour
	if s.Lookback != "" {
		d, err := parseDuration(s.Lookback)
		if err != nil || d < 0 {
			return fmt.Errorf("lookback: %q must be a duration like 72h or 3d", s.Lookback)
		}
		s.lookback = d
	}
	return nil
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

// configPath is --config, else $ORDERHIST_CONFIG, else ./orderhist.yaml.
func configPath(flag string, getenv func(string) string) string {
	switch {
	case flag != "":
		return flag
	case getenv("ORDERHIST_CONFIG") != "":
		return getenv("ORDERHIST_CONFIG")
	}
	return "orderhist.yaml"
}
