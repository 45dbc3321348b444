// Package apitest holds helpers for testing API connectors without a
// network: a transport that serves requests from an http.Handler in
// process, which synctest bubbles can use (loopback sockets are not durably
// blocking, so a fake clock would not advance over them).
package apitest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
)

// Transport serves every request from Handler in the calling goroutine.
type Transport struct {
	Handler http.Handler
}

func (t Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	if r.Body != nil {
		// Handlers expect a server-side body: read it once so the client's
		// body is closed as RoundTrip requires.
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	if r.RequestURI == "" {
		r.RequestURI = r.URL.RequestURI()
	}
	w := httptest.NewRecorder()
	t.Handler.ServeHTTP(w, r)
	resp := w.Result()
	resp.Request = r
	return resp, nil
}

// Client returns an *http.Client that serves requests from h in process.
func Client(h http.Handler) *http.Client {
	return &http.Client{Transport: Transport{Handler: h}}
}
