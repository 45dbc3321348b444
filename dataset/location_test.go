package dataset

import (
	"strings"
	"testing"
)

func TestCheckLocation(t *testing.T) {
	for _, tc := range []struct {
		dir  string
		ok   bool
		says string
	}{
		{"s3://bucket/x", true, ""},
		{"s3://my-bucket", true, ""},
		{"s3://", false, "bucket name is missing"},
		{"s3://Bad_Bucket/x", false, "bucket"},
		{"s3://user:secret@bucket/x", false, "user name or password"},
		{"gs://bucket", false, "the scheme must be s3://"},
		{"https://example.com/data", false, "not a bucket location"},
		{"s3a://bucket/x", false, "Hadoop"},
		{"file:///srv/data", false, "the scheme must be s3://"},
		{"./orderhist-data", true, ""},
		{"/srv/orderhist", true, ""},
		{`C:\orderhist`, true, ""},
		{"C:/orderhist", true, ""},
		{"data:2026", true, ""},
		{"s3:bucket", true, ""}, // a folder name, odd but local
	} {
		err := CheckLocation(tc.dir)
		if (err == nil) != tc.ok {
			t.Errorf("CheckLocation(%q) = %v, want ok %v", tc.dir, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), tc.says) {
			t.Errorf("CheckLocation(%q) = %q: does not say %q", tc.dir, err, tc.says)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("CheckLocation(%q) = %q: quotes the password", tc.dir, err)
		}
	}
}
