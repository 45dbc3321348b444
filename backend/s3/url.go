package s3

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/orderhist/orderhist/backend"
)

// URL is an S3 location: a bucket and a key prefix in it.
type URL struct {
	Bucket string
	// Prefix is the key prefix the store works under, without a leading
	// or trailing slash; empty for the whole bucket.
	Prefix string
}

func (u URL) String() string {
	if u.Prefix == "" {
		return "s3://" + u.Bucket
	}
	return "s3://" + u.Bucket + "/" + u.Prefix
}

// URLError is a location that is not a valid s3://BUCKET/PREFIX.
type URLError struct {
	// URL is the location as given, with any user name or password in it
	// replaced, so that the message can be printed and logged.
	URL    string
	Reason string
}

func (e *URLError) Error() string {
	return fmt.Sprintf("%q is not a valid S3 location (s3://BUCKET/PREFIX): %s", e.URL, e.Reason)
}

// IsURL reports whether s is meant as an S3 location: it starts with
// "s3://" in any case. ParseURL says whether it is a valid one.
func IsURL(s string) bool {
	return len(s) >= 5 && strings.EqualFold(s[:5], "s3://")
}

// ParseURL parses s3://BUCKET/PREFIX. The bucket must follow S3's naming
// rules; the prefix must be a valid key (backend.CheckKey) without its
// trailing slash, so every key under it is one too. Anything that is a
// common mistake (a user name and password, an endpoint's host and port, a
// console or presigned https URL, a Hadoop s3a:// URL) is refused with a
// message that says what to do instead.
func ParseURL(s string) (URL, error) {
	fail := func(format string, args ...any) (URL, error) {
		return URL{}, &URLError{URL: redactUserinfo(s), Reason: fmt.Sprintf(format, args...)}
	}
	if s != strings.TrimSpace(s) {
		return fail("it starts or ends with a space")
	}
	if !IsURL(s) {
		if i := strings.Index(s, "://"); i > 0 {
			scheme := strings.ToLower(s[:i])
			switch scheme {
			case "s3a", "s3n":
				return fail("%s:// is Hadoop's name for S3; write s3://", scheme)
			case "http", "https":
				return fail("an https address is not a bucket location; write s3://BUCKET/PREFIX and give a custom endpoint in AWS_ENDPOINT_URL_S3 or the s3: block's endpoint")
			}
			return fail("the scheme must be s3://, not %s://", scheme)
		}
		return fail("it does not start with s3://")
	}
	rest := s[5:]
	bucket, prefix, _ := strings.Cut(rest, "/")
	switch {
	case strings.Contains(bucket, "@"):
		return fail("it has a user name or password in it; give credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, never in the location")
	case strings.ContainsAny(s, "?#"):
		return fail("it has a query or fragment (? or #); a presigned or console address is not a bucket location")
	case bucket == "":
		return fail("the bucket name is missing")
	case strings.Contains(bucket, ":"):
		return fail("the bucket %q has a port; give the server in AWS_ENDPOINT_URL_S3 or the s3: block's endpoint", bucket)
	}
	if err := checkBucket(bucket); err != nil {
		return fail("bucket %q: %v", bucket, err)
	}
	prefix = strings.TrimSuffix(prefix, "/")
	if prefix != "" {
		if err := backend.CheckKey(prefix); err != nil {
			return fail("the prefix: %v", err)
		}
		if len(prefix) > backend.MaxKeyLen/2 {
			return fail("the prefix is longer than %d bytes, which leaves too little of S3's %d for the keys under it", backend.MaxKeyLen/2, backend.MaxKeyLen)
		}
	}
	return URL{Bucket: bucket, Prefix: prefix}, nil
}

// checkBucket applies S3's bucket naming rules for general purpose buckets.
func checkBucket(b string) error {
	if len(b) < 3 || len(b) > 63 {
		return errors.New("a bucket name has 3 to 63 characters")
	}
	for _, r := range b {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-':
		case r >= 'A' && r <= 'Z':
			return errors.New("bucket names are lowercase")
		default:
			return fmt.Errorf("a bucket name has only lowercase letters, digits, dots and hyphens, not %q", r)
		}
	}
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
	switch {
	case !alnum(b[0]) || !alnum(b[len(b)-1]):
		return errors.New("a bucket name starts and ends with a letter or digit")
	case strings.Contains(b, ".."):
		return errors.New("a bucket name has no two dots in a row")
	}
	if _, err := netip.ParseAddr(b); err == nil {
		return errors.New("a bucket name is not an IP address")
	}
	return nil
}

// redactUserinfo replaces what stands between "://" and an "@" before the
// first slash, so a password given by mistake is not printed back.
func redactUserinfo(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return s
	}
	auth := s[i+3:]
	if j := strings.IndexAny(auth, "/?#"); j >= 0 {
		auth = auth[:j]
	}
	at := strings.LastIndex(auth, "@")
	if at < 0 {
		return s
	}
	return s[:i+3] + "REDACTED" + s[i+3+at:]
}
