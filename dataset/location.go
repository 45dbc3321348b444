package dataset

import (
	"regexp"

	"github.com/orderhist/orderhist/backend/s3"
)

// urlScheme is the start of a URL: s3://, gs://, https://, file://.
var urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

// CheckLocation refuses a dataset location that is neither a folder nor a
// valid s3:// URL, saying why. Left alone, "gs://bucket/x" would become a
// local folder named "gs:" and the seller would believe the data went to
// the bucket.
func CheckLocation(dir string) error {
	if IsRemote(dir) || urlScheme.MatchString(dir) {
		_, err := s3.ParseURL(dir)
		return err
	}
	return nil
}
