package dataset

import (
	"fmt"
	"regexp"
)

// urlScheme is the start of a URL: s3://, gs://, https://, file://.
var urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

// CheckLocation refuses a dataset location that is a URL rather than a
// folder. Left alone, "s3://bucket/x" would become a local folder named
// "s3:" and the seller would believe the data went to the bucket.
func CheckLocation(dir string) error {
	if urlScheme.MatchString(dir) {
		return fmt.Errorf("%s: object storage is not supported yet; the dataset folder must be a local or mounted folder (write it there and copy it with the storage's own tool, such as aws s3 sync or rclone)", dir)
	}
	return nil
}
