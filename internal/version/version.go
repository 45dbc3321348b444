// Package version holds the build's version, set at link time:
//
//	go build -ldflags "-X github.com/orderhist/orderhist/internal/version.Version=v1.2.3 -X github.com/orderhist/orderhist/internal/version.Commit=abc123"
package version

import "runtime/debug"

// Version and Commit are overwritten by -ldflags at release builds.
var (
	Version = "dev"
	Commit  = ""
)

// Get returns the version and commit, falling back to what the Go toolchain
// recorded (module version, VCS revision) for `go install` builds.
func Get() (version, commit string) {
	version, commit = Version, Commit
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return version, commit
	}
	if version == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		version = info.Main.Version
	}
	if commit == "" {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				commit = s.Value
			}
		}
	}
	return version, commit
}
