package s3

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeS3 is an S3 server as hostile as the real one can be on a bad day,
// for the faults versitygw will not produce on demand: throttling, 5xx in
// the middle of a multipart upload, dropped connections, slow answers,
// refused credentials, a missing bucket. It keeps objects in memory and
// speaks the few operations the store uses, path-style or virtual-hosted.
// It checks the access key in the signature but not the signature itself:
// signing is the SDK's job, and its tests.
type fakeS3 struct {
	*httptest.Server
	t         *testing.T
	bucket    string
	accessKey string

	mu      sync.Mutex
	objects map[string][]byte
	uploads map[string]map[int][]byte // upload id → parts
	nextID  int
	// fault, when set, sees every request first; it returns true when it
	// has answered the request itself.
	fault func(w http.ResponseWriter, r *http.Request, op string) bool
	// log has one line per request: "OP host path".
	log []string
	// headers seen on any request, for the checks that a header is never
	// sent.
	headers []http.Header
}

func newFakeS3(t *testing.T, bucket, accessKey string) *fakeS3 {
	f := &fakeS3{t: t, bucket: bucket, accessKey: accessKey, objects: map[string][]byte{}, uploads: map[string]map[int][]byte{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeS3) setFault(fn func(w http.ResponseWriter, r *http.Request, op string) bool) {
	f.mu.Lock()
	f.fault = fn
	f.mu.Unlock()
}

func (f *fakeS3) ops() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.log)
}

func s3err(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><RequestId>fake</RequestId></Error>`, code, msg)
}

// route splits a request into bucket, key and operation name, for
// path-style (/bucket/key) and virtual-hosted (bucket.host/key) requests.
func route(r *http.Request) (bucket, key, op string) {
	host, _, _ := strings.Cut(r.Host, ":")
	p := strings.TrimPrefix(r.URL.Path, "/")
	if b, _, ok := strings.Cut(host, "."); ok && net.ParseIP(host) == nil && b != "localhost" {
		bucket, key = b, p
	} else {
		bucket, key, _ = strings.Cut(p, "/")
	}
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodHead && key == "":
		op = "HeadBucket"
	case r.Method == http.MethodGet && key == "" && q.Has("uploads"):
		op = "ListMultipartUploads"
	case r.Method == http.MethodGet && key == "":
		op = "ListObjectsV2"
	case r.Method == http.MethodHead:
		op = "HeadObject"
	case r.Method == http.MethodGet:
		op = "GetObject"
	case r.Method == http.MethodPost && q.Has("uploads"):
		op = "CreateMultipartUpload"
	case r.Method == http.MethodPut && q.Has("uploadId"):
		op = "UploadPart"
	case r.Method == http.MethodPost && q.Has("uploadId"):
		op = "CompleteMultipartUpload"
	case r.Method == http.MethodDelete && q.Has("uploadId"):
		op = "AbortMultipartUpload"
	case r.Method == http.MethodPut:
		op = "PutObject"
	case r.Method == http.MethodDelete:
		op = "DeleteObject"
	default:
		op = r.Method
	}
	return bucket, key, op
}

func etagOf(b []byte) string {
	s := md5.Sum(b)
	return `"` + hex.EncodeToString(s[:]) + `"`
}

func (f *fakeS3) serve(w http.ResponseWriter, r *http.Request) {
	bucket, key, op := route(r)
	f.mu.Lock()
	f.log = append(f.log, op+" "+r.Host+" "+r.URL.Path)
	f.headers = append(f.headers, r.Header.Clone())
	fault := f.fault
	f.mu.Unlock()
	if fault != nil && fault(w, r, op) {
		return
	}
	if !strings.Contains(r.Header.Get("Authorization"), "Credential="+f.accessKey+"/") {
		s3err(w, http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
		return
	}
	if bucket != f.bucket {
		if op == "HeadBucket" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		s3err(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
		return
	}
	body, err := readBody(r)
	if err != nil {
		s3err(w, http.StatusBadRequest, "IncompleteBody", err.Error())
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, exists := f.objects[key]
	precondition := func() bool {
		if r.Header.Get("If-None-Match") == "*" && exists {
			s3err(w, http.StatusPreconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
			return false
		}
		if m := r.Header.Get("If-Match"); m != "" {
			if !exists {
				s3err(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
				return false
			}
			if m != etagOf(cur) {
				s3err(w, http.StatusPreconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
				return false
			}
		}
		return true
	}
	switch op {
	case "HeadBucket":
		w.WriteHeader(http.StatusOK)
	case "ListObjectsV2":
		f.list(w, r)
	case "HeadObject", "GetObject":
		if !exists {
			if op == "HeadObject" {
				w.WriteHeader(http.StatusNotFound)
			} else {
				s3err(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
			}
			return
		}
		w.Header().Set("ETag", etagOf(cur))
		w.Header().Set("Last-Modified", "Mon, 07 Dec 2026 12:00:00 GMT")
		w.Header().Set("Content-Length", strconv.Itoa(len(cur)))
		w.WriteHeader(http.StatusOK)
		if op == "GetObject" {
			w.Write(cur)
		}
	case "PutObject":
		if !precondition() {
			return
		}
		f.objects[key] = body
		w.Header().Set("ETag", etagOf(body))
	case "DeleteObject":
		delete(f.objects, key)
		w.WriteHeader(http.StatusNoContent)
	case "CreateMultipartUpload":
		f.nextID++
		id := fmt.Sprintf("upload-%d", f.nextID)
		f.uploads[id] = map[int][]byte{}
		fmt.Fprintf(w, `<InitiateMultipartUploadResult><Bucket>%s</Bucket><Key>%s</Key><UploadId>%s</UploadId></InitiateMultipartUploadResult>`, bucket, key, id)
	case "UploadPart":
		parts, ok := f.uploads[r.URL.Query().Get("uploadId")]
		if !ok {
			s3err(w, http.StatusNotFound, "NoSuchUpload", "The specified upload does not exist.")
			return
		}
		n, _ := strconv.Atoi(r.URL.Query().Get("partNumber"))
		parts[n] = body
		w.Header().Set("ETag", etagOf(body))
	case "CompleteMultipartUpload":
		id := r.URL.Query().Get("uploadId")
		parts, ok := f.uploads[id]
		if !ok {
			s3err(w, http.StatusNotFound, "NoSuchUpload", "The specified upload does not exist.")
			return
		}
		if !precondition() {
			return
		}
		var req struct {
			Parts []struct{ PartNumber int } `xml:"Part"`
		}
		if err := xml.Unmarshal(body, &req); err != nil {
			s3err(w, http.StatusBadRequest, "MalformedXML", err.Error())
			return
		}
		var all []byte
		for _, p := range req.Parts {
			all = append(all, parts[p.PartNumber]...)
		}
		delete(f.uploads, id)
		f.objects[key] = all
		fmt.Fprintf(w, `<CompleteMultipartUploadResult><Bucket>%s</Bucket><Key>%s</Key><ETag>%s</ETag></CompleteMultipartUploadResult>`, bucket, key, etagOf(all))
	case "AbortMultipartUpload":
		delete(f.uploads, r.URL.Query().Get("uploadId"))
		w.WriteHeader(http.StatusNoContent)
	default:
		s3err(w, http.StatusNotImplemented, "NotImplemented", op+" is not implemented by the fake")
	}
}

// list answers ListObjectsV2 a page at a time, continuing after the key
// the token names.
func (f *fakeS3) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	prefix, after := q.Get("prefix"), q.Get("continuation-token")
	max := 1000
	if m, err := strconv.Atoi(q.Get("max-keys")); err == nil && m > 0 {
		max = m
	}
	var keys []string
	for k := range f.objects {
		if strings.HasPrefix(k, prefix) && k > after {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	truncated := len(keys) > max
	if truncated {
		keys = keys[:max]
	}
	fmt.Fprintf(w, `<ListBucketResult><Name>%s</Name><Prefix>%s</Prefix><KeyCount>%d</KeyCount><IsTruncated>%v</IsTruncated>`, f.bucket, prefix, len(keys), truncated)
	for _, k := range keys {
		fmt.Fprintf(w, `<Contents><Key>%s</Key><Size>%d</Size><ETag>%s</ETag><LastModified>2026-12-07T12:00:00.000Z</LastModified></Contents>`, k, len(f.objects[k]), etagOf(f.objects[k]))
	}
	if truncated {
		fmt.Fprintf(w, `<NextContinuationToken>%s</NextContinuationToken>`, keys[len(keys)-1])
	}
	fmt.Fprint(w, `</ListBucketResult>`)
}

// readBody reads a request body, undoing the aws-chunked encoding the SDK
// uses to send a checksum after a streamed body.
func readBody(r *http.Request) ([]byte, error) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	if !strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") &&
		!strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
		return raw, nil
	}
	var out []byte
	br := bufio.NewReader(bytes.NewReader(raw))
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("aws-chunked: %v", err)
		}
		sizeHex, _, _ := strings.Cut(strings.TrimSpace(line), ";")
		n, err := strconv.ParseInt(sizeHex, 16, 64)
		if err != nil {
			return nil, fmt.Errorf("aws-chunked size %q: %v", sizeHex, err)
		}
		if n == 0 {
			return out, nil // trailers follow
		}
		chunk := make([]byte, n+2)
		if _, err := io.ReadFull(br, chunk); err != nil {
			return nil, fmt.Errorf("aws-chunked: %v", err)
		}
		out = append(out, chunk[:n]...)
	}
}

// resetConn drops the client's connection without an answer, as a load
// balancer that restarts does.
func resetConn(w http.ResponseWriter) {
	c, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0) // RST rather than FIN
	}
	c.Close()
}
