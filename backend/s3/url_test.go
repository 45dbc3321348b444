package s3

import (
	"errors"
	"strings"
	"testing"

	"github.com/orderhist/orderhist/backend"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    URL
		wantErr string // part of the message; "" means valid
	}{
		{"s3://my-bucket", URL{"my-bucket", ""}, ""},
		{"s3://my-bucket/", URL{"my-bucket", ""}, ""},
		{"s3://my-bucket/orderhist", URL{"my-bucket", "orderhist"}, ""},
		{"s3://my-bucket/team/orderhist/", URL{"my-bucket", "team/orderhist"}, ""},
		{"S3://my.bucket.1/x", URL{"my.bucket.1", "x"}, ""},
		{"s3://abc/ação", URL{"abc", "ação"}, ""},
		{"", URL{}, "does not start with s3://"},
		{"my-bucket/x", URL{}, "does not start with s3://"},
		{"/data/out", URL{}, "does not start with s3://"},
		{" s3://my-bucket", URL{}, "space"},
		{"s3://my-bucket/x ", URL{}, "space"},
		{"s3a://my-bucket/x", URL{}, "Hadoop"},
		{"gs://my-bucket/x", URL{}, "scheme must be s3://"},
		{"https://my-bucket.s3.amazonaws.com/x", URL{}, "AWS_ENDPOINT_URL_S3"},
		{"s3://", URL{}, "bucket name is missing"},
		{"s3:///x", URL{}, "bucket name is missing"},
		{"s3://ab", URL{}, "3 to 63"},
		{"s3://" + strings.Repeat("a", 64), URL{}, "3 to 63"},
		{"s3://My-Bucket", URL{}, "lowercase"},
		{"s3://my_bucket", URL{}, "not '_'"},
		{"s3://-bucket", URL{}, "starts and ends"},
		{"s3://bucket-", URL{}, "starts and ends"},
		{"s3://my..bucket", URL{}, "two dots"},
		{"s3://192.168.1.1", URL{}, "IP address"},
		{"s3://localhost:9000/bucket", URL{}, "has a port"},
		{"s3://AKIAEXAMPLE:wJalrXUtnFEMI@bucket/x", URL{}, "user name or password"},
		{"s3://bucket/x?X-Amz-Signature=abc", URL{}, "query or fragment"},
		{"s3://bucket/x#frag", URL{}, "query or fragment"},
		{"s3://bucket//x", URL{}, "starts with a slash"},
		{"s3://bucket/a//x", URL{}, "empty segment"},
		{"s3://bucket/a/../b", URL{}, `".." segment`},
		{"s3://bucket/a\\b", URL{}, "backslash"},
		{"s3://bucket/a\x01b", URL{}, "control character"},
		{"s3://bucket/\xff", URL{}, "UTF-8"},
		{"s3://bucket/" + strings.Repeat("p", 600), URL{}, "longer than"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseURL(tc.in)
			if tc.wantErr == "" {
				if err != nil || got != tc.want {
					t.Fatalf("ParseURL(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
				}
				if again, err := ParseURL(got.String()); err != nil || again != got {
					t.Errorf("String() %q does not parse back: %+v, %v", got.String(), again, err)
				}
				return
			}
			var ue *URLError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("ParseURL(%q) = %+v, %v; want a *URLError saying %q", tc.in, got, err, tc.wantErr)
			}
		})
	}
}

func TestParseURLNeverPrintsAPassword(t *testing.T) {
	for _, in := range []string{
		"s3://AKIAEXAMPLE:wJalrXUtnFEMIsecret@bucket/x",
		"s3://wJalrXUtnFEMIsecret@bucket",
		"s3a://user:wJalrXUtnFEMIsecret@bucket/x",
		"https://user:wJalrXUtnFEMIsecret@host/x",
	} {
		_, err := ParseURL(in)
		if err == nil || strings.Contains(err.Error(), "wJalrXUtnFEMIsecret") {
			t.Errorf("ParseURL(%q) = %v: want an error without the password", in, err)
		}
	}
}

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"s3://my-bucket/prefix", "s3://b/a//c", "s3://u:p@b/x", "S3://abc/ção/", "s3://abc/x?y", "s3a://x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURL(s)
		if err != nil {
			var ue *URLError
			if !errors.As(err, &ue) {
				t.Fatalf("error %T is not a *URLError", err)
			}
			return
		}
		// A valid location round-trips, and every key under it is valid
		// for the stores.
		if again, err := ParseURL(u.String()); err != nil || again != u {
			t.Fatalf("%q parsed to %+v, whose String %q parses to %+v, %v", s, u, u.String(), again, err)
		}
		if err := checkBucket(u.Bucket); err != nil {
			t.Fatalf("%q gave bucket %q: %v", s, u.Bucket, err)
		}
		if u.Prefix != "" {
			if err := backend.CheckKey(u.Prefix + "/_manifest.json"); err != nil {
				t.Fatalf("%q gave prefix %q, under which keys are invalid: %v", s, u.Prefix, err)
			}
		}
	})
}
