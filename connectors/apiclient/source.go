package apiclient

import (
	"fmt"
	"strings"

	"github.com/orderhist/orderhist/connectors"
)

// ForSource builds the client of one pull: the source's HTTP client, a
// limiter at the source's rate (or the connector's default) and the
// source's secret settings registered for redaction.
func ForSource(src connectors.APISource, defaultRate float64, burst int) *Client {
	rate := src.RequestsPerSecond
	if rate <= 0 {
		rate = defaultRate
	}
	s := &Secrets{}
	for k, v := range src.Settings {
		if IsSecretSetting(k) {
			s.Add(v)
		}
	}
	return &Client{HTTP: src.HTTP, Limiter: NewLimiter(rate, burst), Secrets: s}
}

// IsSecretSetting reports whether a setting holds a secret.
func IsSecretSetting(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "secret") || strings.Contains(n, "token") || strings.Contains(n, "key") || strings.Contains(n, "password")
}

// Require checks that the settings a connector needs are there.
func Require(src connectors.APISource, names ...string) error {
	var missing []string
	for _, n := range names {
		if strings.TrimSpace(src.Settings[n]) == "" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("source %q: missing setting(s) %s", src.Name, strings.Join(missing, ", "))
	}
	return nil
}
