//go:build !unix

package lease

import "os"

// processAlive reports whether a process with this id exists on this
// host. On Windows FindProcess opens the process and fails if there is
// none.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
