// Package s3 is the backend.Backend of a bucket on Amazon S3 or an
// S3-compatible server (versitygw, Ceph, Garage, R2, ...).
//
// Everything that talks S3 is the AWS SDK for Go v2: request signing,
// retries with backoff (throttling, 5xx, dropped connections), credentials
// from the AWS conventions, and multipart uploads through its transfer
// manager, which reads a body once and holds at most Concurrency parts of
// PartSize bytes in memory. This package adds the location syntax
// (s3://BUCKET/PREFIX), the configuration a user gives, the mapping of S3's
// answers onto the backend's errors, and messages that name the bucket, key
// or variable at fault and never a secret.
//
// Conditional writes are S3's own: If-None-Match: * and If-Match: ETag on
// PutObject, and on CompleteMultipartUpload for a body sent in parts, so a
// large object is as conditional as a small one. The losing side of a race
// gets 412 Precondition Failed, or 409 ConditionalRequestConflict while the
// winner's request is still in flight; both are ErrPreconditionFailed.
//
// One wart: when a conditional write sent in parts loses (412 at
// CompleteMultipartUpload), the transfer manager logs a line about it
// through the standard log package before it aborts the upload. Only
// bodies larger than PartSize are sent in parts; the dataset's conditional
// writes (lease, manifest, table metadata) are far smaller.
//
// Objects are written without an ACL, so they are as private as the bucket
// (S3's default since 2023 is owner only, ACLs disabled); nothing here can
// make an object public.
package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/orderhist/orderhist/backend"
)

// Config is what the user may say about the S3 service beyond the
// location: the s3: block of orderhist.yaml. Every field is optional; the
// AWS conventions (environment variables, AWS_PROFILE and the shared config
// files) fill in the rest.
type Config struct {
	// Endpoint is the address of an S3-compatible server, such as
	// "https://minio.example.com:9000". Empty means AWS_ENDPOINT_URL_S3,
	// then AWS_ENDPOINT_URL, then the profile's endpoint_url, then Amazon
	// S3 itself; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true skips all but
	// this field.
	Endpoint string `yaml:"endpoint"`
	// Region; empty means AWS_REGION or the profile's region, and
	// us-east-1 for a custom endpoint that needs none.
	Region string `yaml:"region"`
	// VirtualHosted addresses a custom endpoint as BUCKET.HOST rather than
	// HOST/BUCKET. Amazon S3 itself is always virtual-hosted.
	VirtualHosted bool `yaml:"virtual_hosted"`

	// PartSize is the size of the parts of a multipart upload and the size
	// above which a body is sent in parts; 0 means DefaultPartSize.
	PartSize int64 `yaml:"-"`
	// Concurrency is how many parts of one upload are sent at once; 0
	// means DefaultConcurrency. Memory for a Put is about
	// (Concurrency+1) × PartSize.
	Concurrency int `yaml:"-"`
	// MaxAttempts is how often a request is tried before its error is
	// returned; 0 means DefaultMaxAttempts.
	MaxAttempts int `yaml:"-"`

	// Set by this package's tests only.
	httpClient *http.Client
	backoff    retry.BackoffDelayer
}

const (
	DefaultPartSize    = 8 << 20
	DefaultConcurrency = 4
	DefaultMaxAttempts = 8
	// maxBackoff caps the wait between attempts; S3's own guidance for
	// SlowDown is to back off by seconds, not minutes.
	maxBackoff = 20 * time.Second
)

// Store is an S3 location as a backend.Backend.
type Store struct {
	client   *s3.Client
	tm       *transfermanager.Client
	url      URL
	prefix   string // URL.Prefix with a trailing slash, or ""
	endpoint string // for messages: the custom endpoint, or "Amazon S3"
	creds    string // for messages: where the credentials came from
	secrets  []string
}

var (
	_ backend.Backend       = (*Store)(nil)
	_ backend.UploadLister  = (*Store)(nil)
	_ backend.UploadAborter = (*Store)(nil)

	_ backend.ConditionalDeleter = (*Store)(nil)
)

// Open connects to the location rawURL (s3://BUCKET/PREFIX) and checks that
// the bucket is there and the credentials are accepted, so that a run fails
// before it does any work. Configuration errors (the location, the
// endpoint, missing credentials, a missing bucket, refused credentials)
// match ErrConfig with errors.Is.
func Open(ctx context.Context, rawURL string, c Config) (*Store, error) {
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, configError{err}
	}
	s := &Store{url: u, endpoint: "Amazon S3"}
	if u.Prefix != "" {
		s.prefix = u.Prefix + "/"
	}
	// The endpoint is resolved here rather than left to the SDK because
	// a custom one changes the addressing (path-style) and the messages.
	ignoreEnv := strings.EqualFold(os.Getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true")
	endpoint, endpointFrom := c.Endpoint, "the s3: block's endpoint"
	for _, v := range []string{"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"} {
		if endpoint == "" && !ignoreEnv {
			endpoint, endpointFrom = os.Getenv(v), v
		}
	}
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	// Redacted from every message from here on, including the SDK's own
	// configuration errors quoted below.
	s.addSecrets(secret, os.Getenv("AWS_SESSION_TOKEN"))
	switch {
	case id != "" && secret == "":
		return nil, s.configf("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
	case id == "" && secret != "":
		return nil, s.configf("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")
	}

	attempts := c.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = attempts
				o.MaxBackoff = maxBackoff
				// The default token bucket gives up on a busy server after
				// a few dozen retries across all requests; a batch job
				// would rather wait out the throttling.
				o.RateLimiter = ratelimit.None
				if c.backoff != nil {
					o.Backoff = c.backoff
				}
			})
		}),
	}
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	if c.httpClient != nil {
		opts = append(opts, config.WithHTTPClient(c.httpClient))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		var pe config.SharedConfigProfileNotExistError
		if errors.As(err, &pe) {
			return nil, s.configf("AWS_PROFILE names the profile %q, which is not in the AWS config files", pe.Profile)
		}
		return nil, s.configf("reading the AWS configuration: %s", s.redact(err.Error()))
	}
	if endpoint == "" && cfg.BaseEndpoint != nil {
		endpoint, endpointFrom = *cfg.BaseEndpoint, "the AWS profile's endpoint_url"
	}
	if endpoint != "" {
		if err := checkEndpoint(endpoint); err != nil {
			return nil, s.configf("%s %q: %v", endpointFrom, redactUserinfo(endpoint), err)
		}
		s.endpoint = endpoint
	}
	if cfg.Region == "" {
		if endpoint == "" {
			return nil, s.configf("no AWS region: set AWS_REGION, or region in the s3: block")
		}
		cfg.Region = "us-east-1" // S3-compatible servers mostly ignore it, but requests are signed with one
	}

	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	cred, err := cfg.Credentials.Retrieve(rctx)
	cancel()
	if err != nil {
		return nil, s.configf("no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials), or AWS_PROFILE")
	}
	s.creds = credentialSource(cred.Source)
	s.addSecrets(cred.SecretAccessKey, cred.SessionToken)

	s.client = s3.NewFromConfig(cfg, func(o *s3.Options) {
		// A multipart object has no whole-object checksum to validate; the
		// SDK would warn about that on stderr at every read of one.
		o.DisableLogOutputChecksumValidationSkipped = true
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = !c.VirtualHosted
		}
	})
	part := c.PartSize
	if part <= 0 {
		part = DefaultPartSize
	}
	conc := c.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	s.tm = transfermanager.New(s.client, func(o *transfermanager.Options) {
		o.PartSizeBytes = part
		o.MultipartUploadThreshold = part
		o.Concurrency = conc
		// A failed upload is aborted even when its context was cancelled,
		// so a cancelled run leaves no parts behind.
		o.FailTimeout = time.Minute
	})

	// The check lists one key under the prefix rather than asking for the
	// bucket (HeadBucket): a policy that allows listing only under the
	// dataset's prefix is enough for the dataset, so it must be enough
	// for the check. Fewer attempts than for work: an endpoint that
	// refuses connections is far more often a wrong address than a
	// passing fault.
	_, err = s.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(u.Bucket), Prefix: aws.String(s.prefix), MaxKeys: aws.Int32(1)},
		func(o *s3.Options) { o.RetryMaxAttempts = min(attempts, 3) })
	if err != nil {
		return nil, s.openError(err)
	}
	return s, nil
}

func (s *Store) addSecrets(vs ...string) {
	for _, v := range vs {
		if len(v) >= 4 {
			s.secrets = append(s.secrets, v)
		}
	}
}

// checkEndpoint refuses an endpoint that the SDK would misread or that
// carries a secret.
func checkEndpoint(e string) error {
	i := strings.Index(e, "://")
	if i < 0 {
		return errors.New("it must start with http:// or https://")
	}
	switch strings.ToLower(e[:i]) {
	case "http", "https":
	default:
		return errors.New("it must start with http:// or https://")
	}
	host := e[i+3:]
	if j := strings.IndexAny(host, "/?#"); j >= 0 {
		host = host[:j]
	}
	switch {
	case strings.Contains(host, "@"):
		return errors.New("it has a user name or password in it; give credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	case host == "":
		return errors.New("the host is missing")
	case strings.ContainsAny(e, "?#"):
		return errors.New("it has a query or fragment")
	}
	return nil
}

func credentialSource(src string) string {
	switch {
	case strings.HasPrefix(src, "EnvConfigCredentials"):
		return "the credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
	case strings.HasPrefix(src, "SharedConfigCredentials"):
		if p := os.Getenv("AWS_PROFILE"); p != "" {
			return fmt.Sprintf("the credentials of the profile %q (AWS_PROFILE)", p)
		}
		return "the credentials of the default profile in ~/.aws/credentials"
	case src == "":
		return "the credentials"
	}
	return "the credentials from " + src
}

// Location is s3://BUCKET/PREFIX.
func (s *Store) Location() string { return s.url.String() }

// URL is the store's location.
func (s *Store) URL() URL { return s.url }

func (s *Store) key(k string) string { return s.prefix + k }

func (s *Store) checkKey(op, key string) error {
	if err := backend.CheckKey(key); err != nil {
		return &backend.Error{Op: op, Location: s.Location(), Key: key, Err: err}
	}
	if n := len(s.prefix) + len(key); n > backend.MaxKeyLen {
		return &backend.Error{Op: op, Location: s.Location(), Key: key,
			Err: fmt.Errorf("%w: with the prefix the key has %d bytes, more than S3's %d", backend.ErrInvalidKey, n, backend.MaxKeyLen)}
	}
	return nil
}

// Stat implements backend.Backend.
func (s *Store) Stat(ctx context.Context, key string) (backend.Info, error) {
	if err := s.checkKey("stat", key); err != nil {
		return backend.Info{}, err
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.url.Bucket, Key: aws.String(s.key(key))})
	if err != nil {
		return backend.Info{}, s.fail("stat", key, err, backend.Cond{})
	}
	return backend.Info{Key: key, Size: aws.ToInt64(out.ContentLength), ETag: aws.ToString(out.ETag), ModTime: aws.ToTime(out.LastModified)}, nil
}

// Open implements backend.Backend.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, backend.Info, error) {
	return s.OpenRange(ctx, key, 0, -1)
}

// OpenRange implements backend.Backend.
func (s *Store) OpenRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, backend.Info, error) {
	if err := s.checkKey("read", key); err != nil {
		return nil, backend.Info{}, err
	}
	if offset < 0 {
		return nil, backend.Info{}, &backend.Error{Op: "read", Location: s.Location(), Key: key, Err: fmt.Errorf("negative offset %d", offset)}
	}
	whole := offset == 0 && length < 0
	if length == 0 {
		in, err := s.Stat(ctx, key)
		if err != nil {
			return nil, backend.Info{}, err
		}
		return io.NopCloser(strings.NewReader("")), in, nil
	}
	in := &s3.GetObjectInput{Bucket: &s.url.Bucket, Key: aws.String(s.key(key))}
	if !whole {
		r := "bytes=" + strconv.FormatInt(offset, 10) + "-"
		if length > 0 {
			r += strconv.FormatInt(offset+length-1, 10)
		}
		in.Range = aws.String(r)
	}
	out, err := s.client.GetObject(ctx, in)
	if err != nil {
		if status(err) == http.StatusRequestedRangeNotSatisfiable {
			// The offset is at or past the end: nothing to read, but the
			// object's Info all the same.
			info, err := s.Stat(ctx, key)
			if err != nil {
				return nil, backend.Info{}, err
			}
			return io.NopCloser(strings.NewReader("")), info, nil
		}
		return nil, backend.Info{}, s.fail("read", key, err, backend.Cond{})
	}
	info := backend.Info{Key: key, Size: aws.ToInt64(out.ContentLength), ETag: aws.ToString(out.ETag), ModTime: aws.ToTime(out.LastModified)}
	if cr := aws.ToString(out.ContentRange); cr != "" {
		// "bytes FIRST-LAST/TOTAL"
		if i := strings.LastIndexByte(cr, '/'); i >= 0 {
			if n, err := strconv.ParseInt(cr[i+1:], 10, 64); err == nil {
				info.Size = n
			}
		}
	}
	return &body{rc: out.Body, s: s, key: key}, info, nil
}

// body maps the errors of reading an object's body (a dropped connection
// midway) onto the store's, so they name the key.
type body struct {
	rc  io.ReadCloser
	s   *Store
	key string
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF {
		err = b.s.fail("read", b.key, err, backend.Cond{})
	}
	return n, err
}

func (b *body) Close() error { return b.rc.Close() }

// counter counts what the upload read and keeps the body's own error, so
// the caller sees why its source failed rather than how the SDK put it.
type counter struct {
	r   io.Reader
	n   int64
	err error
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// Put implements backend.Backend.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, cond backend.Cond) (backend.Info, error) {
	if err := s.checkKey("write", key); err != nil {
		return backend.Info{}, err
	}
	c := &counter{r: r}
	in := &transfermanager.UploadObjectInput{Bucket: &s.url.Bucket, Key: aws.String(s.key(key)), Body: c}
	if cond.IfNoneMatch {
		in.IfNoneMatch = aws.String("*")
	}
	if cond.IfMatch != "" {
		in.IfMatch = aws.String(cond.IfMatch)
	}
	out, err := s.tm.UploadObject(ctx, in)
	if err != nil {
		if c.err != nil {
			return backend.Info{}, &backend.Error{Op: "write", Location: s.Location(), Key: key, Err: c.err}
		}
		return backend.Info{}, s.fail("write", key, err, cond)
	}
	return backend.Info{Key: key, Size: c.n, ETag: aws.ToString(out.ETag)}, nil
}

// Delete implements backend.Backend.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.checkKey("delete", key); err != nil {
		return err
	}
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.url.Bucket, Key: aws.String(s.key(key))})
	if err != nil {
		err = s.fail("delete", key, err, backend.Cond{})
		if errors.Is(err, backend.ErrNotExist) && !errors.Is(err, backend.ErrNoBucket) {
			return nil
		}
		return err
	}
	return nil
}

// DeleteIfMatch implements backend.ConditionalDeleter with If-Match on
// DeleteObject, which Amazon S3 and versitygw honour. A server that ignores
// the header deletes unconditionally.
func (s *Store) DeleteIfMatch(ctx context.Context, key, etag string) error {
	if err := s.checkKey("delete", key); err != nil {
		return err
	}
	if etag == "" {
		return &backend.Error{Op: "delete", Location: s.Location(), Key: key, Err: errors.New("no ETag to match")}
	}
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.url.Bucket, Key: aws.String(s.key(key)), IfMatch: aws.String(etag)})
	if err == nil {
		return nil
	}
	if code := apiCode(err); code == "NoSuchKey" || (status(err) == http.StatusNotFound && code != "NoSuchBucket") {
		return nil // gone already (versitygw answers 204 here, Amazon S3 may answer 404)
	}
	return s.fail("delete", key, err, backend.Cond{IfMatch: etag})
}

// List implements backend.Backend. Keys that end in a slash (the empty
// "folder" objects consoles create) are not objects of a store and are
// left out.
func (s *Store) List(ctx context.Context, prefix string, fn func(backend.Info) error) error {
	if err := backend.CheckPrefix(prefix); err != nil {
		return &backend.Error{Op: "list", Location: s.Location(), Key: prefix, Err: err}
	}
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.url.Bucket, Prefix: aws.String(s.key(prefix))})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return s.fail("list", prefix, err, backend.Cond{})
		}
		for _, o := range page.Contents {
			k := strings.TrimPrefix(aws.ToString(o.Key), s.prefix)
			if k == "" || strings.HasSuffix(k, "/") {
				continue
			}
			in := backend.Info{Key: k, Size: aws.ToInt64(o.Size), ETag: aws.ToString(o.ETag), ModTime: aws.ToTime(o.LastModified)}
			if err := fn(in); err != nil {
				return err
			}
		}
	}
	return nil
}

// ListIncompleteUploads implements backend.UploadLister.
func (s *Store) ListIncompleteUploads(ctx context.Context, prefix string) ([]backend.Upload, error) {
	if err := backend.CheckPrefix(prefix); err != nil {
		return nil, &backend.Error{Op: "list uploads", Location: s.Location(), Key: prefix, Err: err}
	}
	var ups []backend.Upload
	p := s3.NewListMultipartUploadsPaginator(s.client, &s3.ListMultipartUploadsInput{Bucket: &s.url.Bucket, Prefix: aws.String(s.key(prefix))})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, s.fail("list uploads", prefix, err, backend.Cond{})
		}
		for _, u := range page.Uploads {
			ups = append(ups, backend.Upload{
				Key:       strings.TrimPrefix(aws.ToString(u.Key), s.prefix),
				ID:        aws.ToString(u.UploadId),
				Initiated: aws.ToTime(u.Initiated),
			})
		}
	}
	return ups, nil
}

// AbortIncompleteUploads implements backend.UploadAborter.
func (s *Store) AbortIncompleteUploads(ctx context.Context, prefix string, olderThan time.Duration) ([]backend.Upload, error) {
	ups, err := s.ListIncompleteUploads(ctx, prefix)
	if err != nil {
		return nil, err
	}
	return backend.AbortOlder(ups, olderThan, func(u backend.Upload) error {
		_, err := s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
			Bucket: &s.url.Bucket, Key: aws.String(s.key(u.Key)), UploadId: aws.String(u.ID)})
		var nsu *types.NoSuchUpload
		if err != nil && !errors.As(err, &nsu) && apiCode(err) != "NoSuchUpload" {
			return s.fail("abort upload", u.Key, err, backend.Cond{})
		}
		return nil
	})
}
