package connectors

import (
	"fmt"
	"slices"
	"strings"
)

// Settings every API source takes besides its connector's own: where the
// API and its token endpoint are, for sandboxes and proxies.
var commonAPISettings = []Option{
	{Name: "base_url", Help: "the API's address, for sandboxes and proxies"},
	{Name: "token_url", Help: "the token endpoint's address (follows base_url when only that is set)"},
}

// Describe is a connector's Info with its API capability and settings
// added: "api" among the formats, and each API setting among the options,
// its help marked "api:".
func Describe(c Connector) Info {
	info := c.Info()
	if _, ok := c.(APIPuller); ok && !slices.Contains(info.Formats, "api") {
		info.Formats = append(slices.Clone(info.Formats), "api")
	}
	if o, ok := c.(APIOptioner); ok {
		for _, opt := range o.APIOptions() {
			opt.Help = "api: " + opt.Help
			info.Options = append(info.Options, opt)
		}
	}
	return info
}

// CheckFileOptions refuses file options the named connector does not take,
// naming the ones it does, so a misspelt option fails instead of being
// ignored. With no connector named (files routed one by one) an option is
// valid when some file connector takes it. An unknown connector is left
// to the caller's lookup to report.
func CheckFileOptions(connector string, opts map[string]string) error {
	if connector != "" {
		c, ok := Lookup(connector)
		if !ok {
			return nil
		}
		return checkKeys(opts, c.Info().Options, "option", "connector "+connector)
	}
	takes := map[string]bool{}
	var valid []string // "name (connector)"
	for _, c := range All() {
		if _, ok := c.(FileReader); !ok {
			continue
		}
		for _, o := range c.Info().Options {
			takes[o.Name] = true
			valid = append(valid, o.Name+" ("+c.Info().Name+")")
		}
	}
	for _, k := range sortedKeys(opts) {
		if !takes[k] {
			return fmt.Errorf("unknown option %s: no connector takes it; valid: %s", k, strings.Join(valid, ", "))
		}
	}
	return nil
}

// CheckAPISettings refuses API settings the connector does not read. A
// connector that does not list its settings (APIOptioner) is not checked.
func CheckAPISettings(c Connector, settings map[string]string) error {
	o, ok := c.(APIOptioner)
	if !ok {
		return nil
	}
	return checkKeys(settings, append(o.APIOptions(), commonAPISettings...), "setting", "connector "+c.Info().Name)
}

func checkKeys(got map[string]string, valid []Option, what, of string) error {
	for _, k := range sortedKeys(got) {
		if slices.ContainsFunc(valid, func(o Option) bool { return o.Name == k }) {
			continue
		}
		if len(valid) == 0 {
			return fmt.Errorf("unknown %s %s: %s takes no %ss", what, k, of, what)
		}
		return fmt.Errorf("unknown %s %s for %s; valid: %s", what, k, of, optionNames(valid))
	}
	return nil
}

func optionNames(opts []Option) string {
	names := make([]string, len(opts))
	for i, o := range opts {
		names[i] = o.Name
	}
	return strings.Join(names, ", ")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
