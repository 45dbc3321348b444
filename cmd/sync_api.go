package cmd

import (
	"errors"

	"github.com/orderhist/orderhist/connectors"
)

// pullsAPI reports whether a connector can pull orders from an API.
func pullsAPI(c connectors.Connector) bool { return false }

// syncAPI pulls an API source from its cursor.
func (r *importRun) syncAPI(sr *sourceRun) error {
	sr.err = errors.New("api sources are not supported by this version")
	return nil
}
