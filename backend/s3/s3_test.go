package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/orderhist/orderhist/backend"
	"github.com/orderhist/orderhist/backend/s3/s3test"
)

// The credentials the tests hand the store. The secret and the token must
// never appear in an error; they are long and odd so that no message
// contains them by chance.
const (
	fakeAccessKey = "AKIAORDERHISTFAKE01"
	fakeSecret    = "fakeSecret/0rderhist+K3y/NEVER-PRINT-ME"
	fakeToken     = "FwoGZXIvYXdzFAKE-session-token-NEVER-PRINT-ME"
)

var fastBackoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })

// errs collects every error a test saw, for the check that none shows a
// secret.
type errs struct {
	mu   sync.Mutex
	list []error
}

func (e *errs) add(err error) error {
	if err != nil {
		e.mu.Lock()
		e.list = append(e.list, err)
		e.mu.Unlock()
	}
	return err
}

func (e *errs) checkNoSecrets(t *testing.T) {
	t.Helper()
	if len(e.list) == 0 {
		t.Error("no errors were collected: the check checks nothing")
	}
	for _, err := range e.list {
		t.Log(err)
		msg := err.Error()
		for _, s := range []string{fakeSecret, fakeToken, "NEVER-PRINT-ME"} {
			if strings.Contains(msg, s) {
				t.Errorf("error shows a secret: %s", msg)
			}
		}
	}
}

func fakeEnv(t *testing.T, endpoint string) {
	s3test.Isolate(t)
	t.Setenv("AWS_ACCESS_KEY_ID", fakeAccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", fakeSecret)
	t.Setenv("AWS_SESSION_TOKEN", fakeToken)
	t.Setenv("AWS_REGION", "sa-east-1")
	t.Setenv("AWS_ENDPOINT_URL_S3", endpoint)
}

func openFake(t *testing.T, f *fakeS3, c Config) *Store {
	t.Helper()
	fakeEnv(t, f.URL)
	c.backoff = fastBackoff
	if c.PartSize == 0 {
		c.PartSize = testPartSize
	}
	s, err := Open(context.Background(), "s3://"+f.bucket+"/data", c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// failFirst answers the first n requests of op with answer, and counts
// the requests of op.
func failFirst(op string, n int32, answer func(w http.ResponseWriter, r *http.Request)) (func(http.ResponseWriter, *http.Request, string) bool, *atomic.Int32) {
	var seen atomic.Int32
	return func(w http.ResponseWriter, r *http.Request, got string) bool {
		if got != op {
			return false
		}
		if seen.Add(1) <= n {
			answer(w, r)
			return true
		}
		return false
	}, &seen
}

func slowDown(w http.ResponseWriter, _ *http.Request) {
	s3err(w, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
}

func internal(w http.ResponseWriter, _ *http.Request) {
	s3err(w, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
}

func bigBody(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31 + i>>12)
	}
	return b
}

func TestFaults(t *testing.T) {
	var seen errs
	defer seen.checkNoSecrets(t)
	ctx := context.Background()
	big := bigBody(2*testPartSize + 1000)

	t.Run("SlowDown is retried", func(t *testing.T) {
		f := newFakeS3(t, "bkt", fakeAccessKey)
		s := openFake(t, f, Config{})
		fault, n := failFirst("PutObject", 2, slowDown)
		f.setFault(fault)
		if _, err := putString(ctx, s, "k", "v"); seen.add(err) != nil {
			t.Fatalf("put after two SlowDowns: %v", err)
		}
		if n.Load() != 3 {
			t.Errorf("%d PutObject requests, want 3 (two throttled, one through)", n.Load())
		}
	})

	t.Run("5xx on every attempt", func(t *testing.T) {
		f := newFakeS3(t, "bkt", fakeAccessKey)
		s := openFake(t, f, Config{MaxAttempts: 3})
		fault, n := failFirst("PutObject", 1000, internal)
		f.setFault(fault)
		_, err := putString(ctx, s, "orders/x.parquet", "v")
		seen.add(err)
		if err == nil || n.Load() != 3 {
			t.Fatalf("put against a failing server: %v after %d requests, want an error after 3", err, n.Load())
		}
		for _, want := range []string{"s3://bkt/data/orders/x.parquet", "InternalError", "HTTP 500", "after 3 attempts"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		if errors.Is(err, backend.ErrConfig) || errors.Is(err, backend.ErrPreconditionFailed) {
			t.Errorf("a server failure %q is classed as a configuration or precondition error", err)
		}
	})

	t.Run("500 once in the middle of a multipart upload", func(t *testing.T) {
		f := newFakeS3(t, "bkt", fakeAccessKey)
		s := openFake(t, f, Config{})
		var once atomic.Bool
		f.setFault(func(w http.ResponseWriter, r *http.Request, op string) bool {
			if op == "UploadPart" && r.URL.Query().Get("partNumber") == "2" && once.CompareAndSwap(false, true) {
				io.Copy(io.Discard, r.Body)
				internal(w, r)
				return true
			}
			return false
		})
		if _, err := s.Put(ctx, "big", bytes.NewReader(big), backend.Cond{}); seen.add(err) != nil {
			t.Fatal(err)
		}
		got, _, err := backend.ReadAll(ctx, s, "big")
		if err != nil || !bytes.Equal(got, big) {
			t.Fatalf("read back %d bytes, %v; want the %d written", len(got), err, len(big))
		}
	})

	t.Run("500 for good in the middle of a multipart upload", func(t *testing.T) {
		f := newFakeS3(t, "bkt", fakeAccessKey)
		s := openFake(t, f, Config{MaxAttempts: 2})
		f.setFault(func(w http.ResponseWriter, r *http.Request, op string) bool {
			if op == "UploadPart" && r.URL.Query().Get("partNumber") == "2" {
				io.Copy(io.Discard, r.Body)
				internal(w, r)
				return true
			}
			return false
		})
		_, err := s.Put(ctx, "big", bytes.NewReader(big), backend.Cond{})
		if seen.add(err) == nil || !strings.Contains(err.Error(), "InternalError") {
			t.Fatalf("put whose part 2 always fails: %v", err)
		}
		if _, err := s.Stat(ctx, "big"); !errors.Is(err, backend.ErrNotExist) {
			t.Errorf("the failed upload left an object: %v", err)
		}
		if !hasOp(f.ops(), "AbortMultipartUpload") || len(f.uploads) != 0 {
			t.Errorf("the failed upload was not aborted: %v", f.ops())
		}
	})

	t.Run("connection reset is retried", func(t *testing.T) {
		f := newFakeS3(t, "bkt", fakeAccessKey)
		s := openFake(t, f, Config{})
		if _, err := putString(ctx, s, "k", "value"); err != nil {
			t.Fatal(err)
		}
		fault, n := failFirst("GetObject", 2, func(w http.ResponseWriter, _ *http.Request) { resetConn(w) })
		f.setFault(fault)
		got, _, err := backend.ReadAll(ctx, s, "k")
		if seen.add(err) != nil || string(got) != "value" || n.Load() != 3 {
			t.Fatalf("read after two resets: %q, %v after %d requests", got, err, n.Load())
		}
	})

	t.Run("connection reset on every attempt", func(t *testing.T) {
		f := newFakeS3(t, "bkt", fakeAccessKey)
		s := openFake(t, f, Config{MaxAttempts: 2})
		fault, _ := failFirst("PutObject", 1000, func(w http.ResponseWriter, _ *http.Request) { resetConn(w) })
		f.setFault(fault)
		_, err := putString(ctx, s, "k", "value")
		if seen.add(err) == nil || !strings.Contains(err.Error(), "s3://bkt/data/k") {
			t.Fatalf("put against a server that always resets: %v", err)
		}
	})

	t.Run("slow answer and a deadline", func(t *testing.T) {
		f := newFakeS3(t, "bkt", fakeAccessKey)
		s := openFake(t, f, Config{})
		f.setFault(func(w http.ResponseWriter, r *http.Request, op string) bool {
			if op != "HeadObject" {
				return false
			}
			select {
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
			return true
		})
		dctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := s.Stat(dctx, "k")
		seen.add(err)
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timed out") {
			t.Errorf("stat past its deadline: %v, want context.DeadlineExceeded worded as timed out", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("stat took %v after its deadline of 200ms", d)
		}
	})

	t.Run("slow body and a cancel", func(t *testing.T) {
		f := newFakeS3(t, "bkt", fakeAccessKey)
		s := openFake(t, f, Config{})
		f.setFault(func(w http.ResponseWriter, r *http.Request, op string) bool {
			if op != "GetObject" {
				return false
			}
			w.Header().Set("Content-Length", "1000")
			w.Header().Set("ETag", `"x"`)
			w.Write(make([]byte, 100))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return true
		})
		cctx, cancel := context.WithCancel(ctx)
		rc, _, err := s.Open(cctx, "k")
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		buf := make([]byte, 100)
		if _, err := io.ReadFull(rc, buf); err != nil {
			t.Fatal(err)
		}
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err = io.ReadAll(rc)
		if seen.add(err) == nil || !strings.Contains(err.Error(), "s3://bkt/data/k") {
			t.Errorf("read of a stalled body after cancel: %v, want an error naming the key", err)
		}
	})

	t.Run("NoSuchBucket after open", func(t *testing.T) {
		f := newFakeS3(t, "bkt", fakeAccessKey)
		s := openFake(t, f, Config{})
		f.bucket = "gone"
		_, _, err := s.Open(ctx, "k")
		if !errors.Is(seen.add(err), backend.ErrNoBucket) || !strings.Contains(err.Error(), `bucket "bkt" does not exist`) {
			t.Errorf("read from a deleted bucket: %v", err)
		}
	})

	t.Run("a server that echoes the token", func(t *testing.T) {
		f := newFakeS3(t, "bkt", fakeAccessKey)
		s := openFake(t, f, Config{MaxAttempts: 1})
		f.setFault(func(w http.ResponseWriter, r *http.Request, op string) bool {
			if op != "PutObject" {
				return false
			}
			s3err(w, http.StatusBadRequest, "InvalidRequest", "token "+r.Header.Get("X-Amz-Security-Token")+" auth "+r.Header.Get("Authorization"))
			return true
		})
		_, err := putString(ctx, s, "k", "v")
		if seen.add(err) == nil || !strings.Contains(err.Error(), "REDACTED") {
			t.Errorf("put against an echoing server: %v, want the token redacted", err)
		}
	})

	t.Run("a policy that allows only the prefix", func(t *testing.T) {
		f := newFakeS3(t, "bkt", fakeAccessKey)
		f.setFault(func(w http.ResponseWriter, r *http.Request, op string) bool {
			denied := op == "HeadBucket" ||
				op == "ListObjectsV2" && !strings.HasPrefix(r.URL.Query().Get("prefix"), "data/")
			if denied {
				s3err(w, http.StatusForbidden, "AccessDenied", "Access Denied")
			}
			return denied
		})
		s := openFake(t, f, Config{}) // s3://bkt/data
		if _, err := putString(ctx, s, "k", "v"); err != nil {
			t.Fatal(err)
		}
		fakeEnv(t, f.URL)
		_, err := Open(ctx, "s3://bkt/other", Config{backoff: fastBackoff})
		if !errors.Is(seen.add(err), backend.ErrPermission) || !errors.Is(err, backend.ErrConfig) {
			t.Errorf("open of a prefix the policy denies: %v, want a permission error", err)
		}
	})

	t.Run("listing pages", func(t *testing.T) {
		f := newFakeS3(t, "bkt", fakeAccessKey)
		s := openFake(t, f, Config{})
		f.mu.Lock()
		for i := range 2500 {
			f.objects[fmt.Sprintf("data/orders/%05d.parquet", i)] = []byte("x")
		}
		f.objects["data/orders/folder/"] = nil // a console's folder marker
		f.objects["other/orders/x"] = []byte("x")
		f.mu.Unlock()
		n, last := 0, ""
		err := s.List(ctx, "orders/", func(in backend.Info) error {
			if in.Key <= last {
				t.Fatalf("%q listed after %q", in.Key, last)
			}
			n, last = n+1, in.Key
			return nil
		})
		if err != nil || n != 2500 {
			t.Errorf("listed %d keys over the pages, %v; want 2500", n, err)
		}
	})

	t.Run("objects are written without an ACL", func(t *testing.T) {
		f := newFakeS3(t, "bkt", fakeAccessKey)
		s := openFake(t, f, Config{})
		putString(ctx, s, "small", "v")
		s.Put(ctx, "big", bytes.NewReader(big), backend.Cond{})
		for _, h := range f.headers {
			for name := range h {
				if strings.HasPrefix(strings.ToLower(name), "x-amz-grant") || strings.EqualFold(name, "x-amz-acl") {
					t.Errorf("a request sets %s: %v", name, h[name])
				}
			}
		}
	})
}

func hasOp(ops []string, op string) bool {
	for _, o := range ops {
		if strings.HasPrefix(o, op+" ") {
			return true
		}
	}
	return false
}

func putString(ctx context.Context, s *Store, key, body string) (backend.Info, error) {
	return backend.PutBytes(ctx, s, key, []byte(body), backend.Cond{})
}

func TestOpenErrors(t *testing.T) {
	var seen errs
	defer seen.checkNoSecrets(t)
	f := newFakeS3(t, "bkt", fakeAccessKey)
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return "http://" + l.Addr().String()
	}()
	profiles := t.TempDir()
	os.WriteFile(filepath.Join(profiles, "credentials"), []byte("[good]\naws_access_key_id = "+fakeAccessKey+
		"\naws_secret_access_key = "+fakeSecret+"\n[wrong]\naws_access_key_id = AKIAWRONG\naws_secret_access_key = "+fakeSecret+"\n"), 0o600)

	for _, tc := range []struct {
		name   string
		url    string
		env    map[string]string // on top of fakeEnv; "" unsets
		cfg    Config
		config bool     // the error must match backend.ErrConfig
		is     error    // and this, when set
		says   []string // and say these
	}{
		{name: "works", url: "s3://bkt/p"},
		{name: "malformed location", url: "s3://Bad_Bucket/p", config: true, says: []string{"lowercase"}},
		{name: "missing bucket", url: "s3://nope/p", config: true, is: backend.ErrNoBucket, says: []string{`bucket "nope" does not exist`, f.URL}},
		{name: "wrong access key", url: "s3://bkt", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIAWRONG"}, config: true, is: backend.ErrPermission,
			says: []string{"access denied", "AWS_ACCESS_KEY_ID", "refused for s3://bkt at"}},
		{name: "no credentials", url: "s3://bkt", env: map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": ""}, config: true,
			says: []string{"no AWS credentials", "AWS_ACCESS_KEY_ID", "AWS_PROFILE"}},
		{name: "key id without secret", url: "s3://bkt", env: map[string]string{"AWS_SECRET_ACCESS_KEY": ""}, config: true, says: []string{"AWS_SECRET_ACCESS_KEY is not"}},
		{name: "secret without key id", url: "s3://bkt", env: map[string]string{"AWS_ACCESS_KEY_ID": ""}, config: true, says: []string{"AWS_ACCESS_KEY_ID is not"}},
		{name: "unknown profile", url: "s3://bkt", env: map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_PROFILE": "nope"}, config: true, says: []string{`profile "nope"`}},
		{name: "profile", url: "s3://bkt", env: map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "good",
			"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(profiles, "credentials")}},
		{name: "profile with a wrong key", url: "s3://bkt", env: map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "wrong",
			"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(profiles, "credentials")}, config: true, is: backend.ErrPermission, says: []string{`profile "wrong"`}},
		{name: "no region for Amazon S3", url: "s3://bkt", env: map[string]string{"AWS_ENDPOINT_URL_S3": "", "AWS_REGION": ""}, config: true, says: []string{"AWS_REGION"}},
		{name: "custom endpoint needs no region", url: "s3://bkt", env: map[string]string{"AWS_REGION": ""}},
		{name: "endpoint with a password", url: "s3://bkt", env: map[string]string{"AWS_ENDPOINT_URL_S3": "http://user:NEVER-PRINT-ME@127.0.0.1:1"}, config: true,
			says: []string{"AWS_ENDPOINT_URL_S3", "user name or password"}},
		{name: "endpoint without a scheme", url: "s3://bkt", cfg: Config{Endpoint: "127.0.0.1:9000"}, config: true, says: []string{"s3: block's endpoint", "http://"}},
		// The SDK quotes a bad value in its message; were it a secret by
		// mistake, it must not be printed.
		{name: "a secret where a setting belongs", url: "s3://bkt", env: map[string]string{"AWS_RETRY_MODE": fakeToken}, config: true,
			says: []string{"reading the AWS configuration", "REDACTED"}},
		{name: "unreachable endpoint", url: "s3://bkt", env: map[string]string{"AWS_ENDPOINT_URL_S3": closed}, says: []string{"cannot reach the S3 endpoint " + closed, "refused"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fakeEnv(t, f.URL)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			tc.cfg.backoff = fastBackoff
			s, err := Open(context.Background(), tc.url, tc.cfg)
			seen.add(err)
			if !tc.config && tc.is == nil && tc.says == nil {
				if err != nil {
					t.Fatalf("open: %v", err)
				}
				if _, err := putString(context.Background(), s, "x", "y"); err != nil {
					t.Fatalf("put after open: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("open succeeded")
			}
			if errors.Is(err, backend.ErrConfig) != tc.config {
				t.Errorf("errors.Is(%q, ErrConfig) = %v, want %v", err, !tc.config, tc.config)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q does not match %v", err, tc.is)
			}
			for _, w := range tc.says {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), fakeAccessKey) {
				t.Errorf("error %q shows the access key id", err)
			}
		})
	}
}

func TestEndpointAndAddressing(t *testing.T) {
	a := newFakeS3(t, "bkt", fakeAccessKey)
	b := newFakeS3(t, "bkt", fakeAccessKey)
	c := newFakeS3(t, "bkt", fakeAccessKey)
	_, port, _ := net.SplitHostPort(c.Listener.Addr().String())
	// Virtual-hosted names (bkt.s3.test) do not resolve; this client
	// dials the fake whatever the name.
	dialFake := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, c.Listener.Addr().String())
	}}}
	for _, tc := range []struct {
		name     string
		env      map[string]string
		cfg      Config
		want     *fakeS3
		wantHost string // "" means the fake's own address (path-style)
		wantPath string
	}{
		{name: "AWS_ENDPOINT_URL", env: map[string]string{"AWS_ENDPOINT_URL": a.URL, "AWS_ENDPOINT_URL_S3": ""}, want: a, wantPath: "/bkt/p/k"},
		{name: "AWS_ENDPOINT_URL_S3 wins", env: map[string]string{"AWS_ENDPOINT_URL": a.URL, "AWS_ENDPOINT_URL_S3": b.URL}, want: b, wantPath: "/bkt/p/k"},
		{name: "the s3: block wins", env: map[string]string{"AWS_ENDPOINT_URL": a.URL, "AWS_ENDPOINT_URL_S3": b.URL}, cfg: Config{Endpoint: c.URL}, want: c, wantPath: "/bkt/p/k"},
		{name: "the profile's endpoint_url", env: map[string]string{"AWS_PROFILE": "minio", "AWS_CONFIG_FILE": profileWith(t, a.URL)}, want: a, wantPath: "/bkt/p/k"},
		{name: "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", env: map[string]string{"AWS_ENDPOINT_URL_S3": a.URL, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
			cfg: Config{Endpoint: b.URL}, want: b, wantPath: "/bkt/p/k"},
		{name: "virtual-hosted", cfg: Config{Endpoint: "http://s3.test:" + port, VirtualHosted: true, httpClient: dialFake}, want: c,
			wantHost: "bkt.s3.test:" + port, wantPath: "/p/k"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fakeEnv(t, "")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			before := len(tc.want.ops())
			s, err := Open(context.Background(), "s3://bkt/p", tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := putString(context.Background(), s, "k", "v"); err != nil {
				t.Fatal(err)
			}
			ops := tc.want.ops()[before:]
			host := tc.wantHost
			if host == "" {
				host = tc.want.Listener.Addr().String()
			}
			if want := "PutObject " + host + " " + tc.wantPath; !hasLine(ops, want) {
				t.Errorf("requests %q, want %q", ops, want)
			}
			for _, h := range tc.want.headers[len(tc.want.headers)-len(ops):] {
				if got := h.Get("X-Amz-Security-Token"); got != fakeToken {
					t.Errorf("a request carries the session token %q, want AWS_SESSION_TOKEN's", got)
				}
			}
		})
	}
}

// profileWith writes an AWS config file with a profile "minio" whose
// endpoint_url is endpoint.
func profileWith(t *testing.T, endpoint string) string {
	p := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(p, []byte("[profile minio]\nendpoint_url = "+endpoint+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func hasLine(lines []string, line string) bool {
	for _, l := range lines {
		if l == line {
			return true
		}
	}
	return false
}
