package connectors

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

var (
	registryMu sync.RWMutex
	registry   = map[string]Connector{}
)

var validName = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

// Register adds a connector. It panics on an invalid or duplicate name: both
// are programming errors that must fail at start-up, not at 3 a.m.
func Register(c Connector) {
	name := c.Info().Name
	if !validName.MatchString(name) {
		panic(fmt.Sprintf("connectors: invalid connector name %q (lower-case letters and digits only)", name))
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic(fmt.Sprintf("connectors: connector %q registered twice", name))
	}
	registry[name] = c
}

// Lookup returns the connector registered under name.
func Lookup(name string) (Connector, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	c, ok := registry[name]
	return c, ok
}

// All returns every registered connector, sorted by name.
func All() []Connector {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]Connector, 0, len(registry))
	for _, c := range registry {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Connector) int { return strings.Compare(a.Info().Name, b.Info().Name) })
	return out
}

// Names returns the registered names, sorted.
func Names() []string {
	var names []string
	for _, c := range All() {
		names = append(names, c.Info().Name)
	}
	return names
}
