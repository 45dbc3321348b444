package s3

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/orderhist/orderhist/backend"
)

// s3Error is a failure as this package words it: msg for people, kinds for
// errors.Is (backend.ErrNotExist and friends), and the SDK's error for
// errors.As, which is not part of the message because it can run to
// several lines of request ids.
type s3Error struct {
	msg   string
	kinds []error
	cause error
}

func (e *s3Error) Error() string { return e.msg }

func (e *s3Error) Unwrap() []error {
	if e.cause == nil {
		return e.kinds
	}
	return append(append([]error(nil), e.kinds...), e.cause)
}

// configError marks an error as the user's configuration to fix.
type configError struct{ err error }

func (e configError) Error() string   { return e.err.Error() }
func (e configError) Unwrap() []error { return []error{e.err, backend.ErrConfig} }

func (s *Store) configf(format string, args ...any) error {
	return &backend.Error{Op: "open", Location: s.Location(), Err: configError{fmt.Errorf(format, args...)}}
}

// redact removes the secret key and session token from a message. They are
// never put in one on purpose; this is for a server that echoes what it
// was sent in its error messages.
func (s *Store) redact(msg string) string {
	for _, v := range s.secrets {
		msg = strings.ReplaceAll(msg, v, "REDACTED")
	}
	return msg
}

func status(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// unreachable returns the network error under err, if the request never
// got an answer.
func unreachable(err error) (string, bool) {
	var oe *net.OpError
	if errors.As(err, &oe) {
		return oe.Error(), true
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		return de.Error(), true
	}
	return "", false
}

func attempts(err error) string {
	var me *retry.MaxAttemptsError
	if errors.As(err, &me) {
		return fmt.Sprintf(", after %d attempts", me.Attempt)
	}
	return ""
}

// describe words an error that has no more specific meaning.
func (s *Store) describe(err error) string {
	if msg, ok := unreachable(err); ok {
		return fmt.Sprintf("cannot reach the S3 endpoint %s: %s%s", s.endpoint, msg, attempts(err))
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		m := ae.ErrorCode()
		if em := ae.ErrorMessage(); em != "" {
			m += ": " + em
		}
		if st := status(err); st != 0 {
			m += fmt.Sprintf(" (HTTP %d%s)", st, attempts(err))
		}
		return "S3 answered " + m
	}
	if st := status(err); st != 0 {
		return fmt.Sprintf("S3 answered HTTP %d %s%s", st, http.StatusText(st), attempts(err))
	}
	// Not an answer from S3: a body that could not be read or sent, a
	// connection dropped midway. The SDK's message is the best there is.
	return err.Error()
}

// fail maps err from an operation on key onto the backend's errors.
func (s *Store) fail(op, key string, err error, cond backend.Cond) error {
	e := &s3Error{cause: err}
	code, st := apiCode(err), status(err)
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		e.msg = "interrupted"
		if errors.Is(err, context.DeadlineExceeded) {
			e.msg = "timed out"
		}
	case code == "NoSuchBucket":
		e.kinds = []error{backend.ErrNoBucket, backend.ErrNotExist}
		e.msg = fmt.Sprintf("the bucket %q does not exist at %s", s.url.Bucket, s.endpoint)
	case code == "PreconditionFailed" || st == http.StatusPreconditionFailed:
		e.kinds = []error{backend.ErrPreconditionFailed}
		e.msg = preconditionMessage(cond)
	case code == "ConditionalRequestConflict" || (st == http.StatusConflict && cond != backend.Cond{}):
		e.kinds = []error{backend.ErrPreconditionFailed}
		e.msg = preconditionMessage(cond) + " (another conditional write to the key was in progress)"
	case code == "NoSuchKey" || code == "NotFound" || st == http.StatusNotFound:
		if cond.IfMatch != "" {
			e.kinds = []error{backend.ErrPreconditionFailed}
			e.msg = fmt.Sprintf("%v: the object does not exist", backend.ErrPreconditionFailed)
			break
		}
		e.kinds = []error{backend.ErrNotExist}
		e.msg = "no such object"
	case isDenied(code) || st == http.StatusForbidden:
		e.kinds = []error{backend.ErrPermission}
		e.msg = fmt.Sprintf("access denied: %s were refused (%s)", s.creds, s.describe(err))
	default:
		e.msg = s.describe(err)
	}
	e.msg = s.redact(e.msg)
	return &backend.Error{Op: op, Location: s.Location(), Key: key, Err: e}
}

func preconditionMessage(cond backend.Cond) string {
	switch {
	case cond.IfNoneMatch:
		return fmt.Sprintf("%v: the object already exists", backend.ErrPreconditionFailed)
	case cond.IfMatch != "":
		return fmt.Sprintf("%v: the object has changed since it was read", backend.ErrPreconditionFailed)
	}
	return backend.ErrPreconditionFailed.Error()
}

func isDenied(code string) bool {
	switch code {
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
		"InvalidToken", "TokenRefreshRequired", "AllAccessDisabled", "InvalidSecurity":
		return true
	}
	return false
}

// openError words the failure of the check Open makes on the bucket.
func (s *Store) openError(err error) error {
	st := status(err)
	var msg string
	var kinds []error
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return s.fail("open", "", err, backend.Cond{})
	case st == http.StatusNotFound || apiCode(err) == "NoSuchBucket":
		kinds = []error{backend.ErrNoBucket, backend.ErrConfig}
		msg = fmt.Sprintf("the bucket %q does not exist at %s", s.url.Bucket, s.endpoint)
	case st == http.StatusForbidden || isDenied(apiCode(err)):
		kinds = []error{backend.ErrPermission, backend.ErrConfig}
		msg = fmt.Sprintf("access denied: %s were refused for %s at %s (a wrong or expired key, or no permission to list it)", s.creds, s.Location(), s.endpoint)
	case st == http.StatusMovedPermanently || apiCode(err) == "PermanentRedirect" || apiCode(err) == "AuthorizationHeaderMalformed":
		var re *awshttp.ResponseError
		region := ""
		if errors.As(err, &re) && re.Response != nil {
			region = re.Response.Header.Get("X-Amz-Bucket-Region")
		}
		kinds = []error{backend.ErrConfig}
		if region != "" {
			msg = fmt.Sprintf("the bucket %q is in the region %s: set AWS_REGION=%s, or region in the s3: block", s.url.Bucket, region, region)
		} else {
			msg = fmt.Sprintf("the bucket %q is not in the configured region (%s); set AWS_REGION, or region in the s3: block", s.url.Bucket, s.describe(err))
		}
	default:
		msg = s.describe(err)
	}
	return &backend.Error{Op: "open", Location: s.Location(), Err: &s3Error{msg: s.redact(msg), kinds: kinds, cause: err}}
}
