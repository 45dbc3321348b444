package dataset

import (
	"strings"
	"testing"
)

func TestCheckLocation(t *testing.T) {
	for _, tc := range []struct {
		dir string
		ok  bool
	}{
		{"s3://bucket/x", false},
		{"gs://bucket", false},
		{"https://example.com/data", false},
		{"S3://bucket", false},
		{"file:///srv/data", false},
		{"./orderhist-data", true},
		{"/srv/orderhist", true},
		{`C:\orderhist`, true},
		{"C:/orderhist", true},
		{"data:2026", true},
		{"s3:bucket", true}, // a folder name, odd but local
	} {
		err := CheckLocation(tc.dir)
		if (err == nil) != tc.ok {
			t.Errorf("CheckLocation(%q) = %v, want ok %v", tc.dir, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "object storage is not supported yet") {
			t.Errorf("CheckLocation(%q) = %q: does not say object storage is not supported", tc.dir, err)
		}
	}
}
