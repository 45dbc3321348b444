// Package backendtest is the conformance suite every backend.Backend
// passes: each implementation's tests call Run with a fresh, empty store,
// so the local folder and S3 (against a real S3 server) are held to the
// same documented behaviour.
package backendtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orderhist/orderhist/backend"
)

// Options describe the store under test.
type Options struct {
	// PartSize is the size above which the store writes a body in parts;
	// the large-object case writes several parts' worth.
	PartSize int64
	// Rounds is how often the race cases race; 0 means 20.
	Rounds int
}

// Run runs the suite. newStore returns an empty store; it is called once
// per case.
func Run(t *testing.T, newStore func(t *testing.T) backend.Backend, o Options) {
	if o.Rounds == 0 {
		o.Rounds = 20
	}
	if o.PartSize == 0 {
		o.PartSize = 5 << 20
	}
	cases := []struct {
		name string
		run  func(t *testing.T, b backend.Backend, o Options)
	}{
		{"RoundTrip", testRoundTrip},
		{"OpenRange", testOpenRange},
		{"ReaderAt", testReaderAt},
		{"Missing", testMissing},
		{"ReplaceChangesETag", testReplaceChangesETag},
		{"Conditional", testConditional},
		{"Delete", testDelete},
		{"DeleteIfMatch", testDeleteIfMatch},
		{"List", testList},
		{"InvalidKeys", testInvalidKeys},
		{"Large", testLarge},
		{"Writer", testWriter},
		{"FailedBodyKeepsOld", testFailedBody},
		{"CancelledPut", testCancelledPut},
		{"RaceCreateOnly", testRaceCreateOnly},
		{"RaceIfMatch", testRaceIfMatch},
		{"IncompleteUploads", testIncompleteUploads},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, newStore(t), o) })
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func put(t *testing.T, b backend.Backend, key, body string) backend.Info {
	t.Helper()
	in, err := backend.PutBytes(ctxT(t), b, key, []byte(body), backend.Cond{})
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return in
}

func mustRead(t *testing.T, b backend.Backend, key string) (string, backend.Info) {
	t.Helper()
	data, in, err := backend.ReadAll(ctxT(t), b, key)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return string(data), in
}

func assertAbsent(t *testing.T, b backend.Backend, key string) {
	t.Helper()
	if in, err := b.Stat(ctxT(t), key); !errors.Is(err, backend.ErrNotExist) {
		t.Fatalf("stat %s = %+v, %v; want ErrNotExist", key, in, err)
	}
}

func testRoundTrip(t *testing.T, b backend.Backend, _ Options) {
	big := make([]byte, 1<<20)
	rand.NewChaCha8([32]byte{1}).Read(big)
	for _, tc := range []struct{ key, body string }{
		{"empty", ""},
		{"one", "x"},
		{"a/b/c/deep.json", `{"k":"v"}`},
		{"orders/ordered_month=2026-01/part-run1.parquet", string(big)},
		{"acentuação/ção ã.txt", "utf-8 key"},
		{"space and+plus=eq&amp", "odd characters"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			pin, err := backend.PutBytes(ctxT(t), b, tc.key, []byte(tc.body), backend.Cond{})
			if err != nil {
				t.Fatal(err)
			}
			if pin.Key != tc.key || pin.Size != int64(len(tc.body)) || pin.ETag == "" {
				t.Errorf("put returned %+v, want key %q size %d and an ETag", pin, tc.key, len(tc.body))
			}
			got, oin := mustRead(t, b, tc.key)
			if got != tc.body {
				t.Errorf("read back %d bytes, want %d", len(got), len(tc.body))
			}
			sin, err := b.Stat(ctxT(t), tc.key)
			if err != nil {
				t.Fatal(err)
			}
			for _, in := range []backend.Info{oin, sin} {
				if in.Key != tc.key || in.Size != pin.Size || in.ETag != pin.ETag {
					t.Errorf("info %+v does not match the put's %+v", in, pin)
				}
			}
			if sin.ModTime.IsZero() || time.Since(sin.ModTime) > time.Hour || time.Until(sin.ModTime) > time.Hour {
				t.Errorf("stat mod time %v is not about now", sin.ModTime)
			}
		})
	}
}

func testOpenRange(t *testing.T, b backend.Backend, _ Options) {
	body := make([]byte, 1000)
	for i := range body {
		body[i] = byte(i * 7)
	}
	put(t, b, "r", string(body))
	for _, tc := range []struct {
		off, n   int64
		from, to int
	}{
		{0, 10, 0, 10},
		{0, -1, 0, 1000},
		{5, -1, 5, 1000},
		{990, 100, 990, 1000},
		{999, 1, 999, 1000},
		{500, 0, 500, 500},
		{1000, 5, 1000, 1000},
		{2000, -1, 1000, 1000},
	} {
		t.Run(fmt.Sprintf("%d+%d", tc.off, tc.n), func(t *testing.T) {
			rc, in, err := b.OpenRange(ctxT(t), "r", tc.off, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, body[tc.from:tc.to]) {
				t.Errorf("got %d bytes, want bytes %d..%d", len(got), tc.from, tc.to)
			}
			if in.Size != 1000 || in.ETag == "" {
				t.Errorf("info %+v: want the whole object's size 1000 and an ETag", in)
			}
		})
	}
	if _, _, err := b.OpenRange(ctxT(t), "missing", 0, 1); !errors.Is(err, backend.ErrNotExist) {
		t.Errorf("range of a missing object: %v, want ErrNotExist", err)
	}
}

func testReaderAt(t *testing.T, b backend.Backend, _ Options) {
	body := make([]byte, 5000)
	rand.NewChaCha8([32]byte{4}).Read(body)
	put(t, b, "p.parquet", string(body))
	r, err := backend.NewReaderAt(ctxT(t), b, "p.parquet")
	if err != nil {
		t.Fatal(err)
	}
	if r.Size() != 5000 {
		t.Fatalf("size %d, want 5000", r.Size())
	}
	// As a Parquet reader reads: the footer, then chunks, through a
	// SectionReader.
	for _, tc := range []struct {
		off     int64
		n       int
		wantN   int
		wantEOF bool
	}{
		{4992, 8, 8, false},
		{0, 4, 4, false},
		{1000, 3000, 3000, false},
		{4990, 100, 10, true},
		{5000, 10, 0, true},
	} {
		p := make([]byte, tc.n)
		n, err := r.ReadAt(p, tc.off)
		if n != tc.wantN || (err == io.EOF) != tc.wantEOF || (err != nil && err != io.EOF) {
			t.Errorf("ReadAt(%d bytes at %d) = %d, %v; want %d bytes, EOF %v", tc.n, tc.off, n, err, tc.wantN, tc.wantEOF)
		}
		if !bytes.Equal(p[:n], body[tc.off:tc.off+int64(n)]) {
			t.Errorf("ReadAt(%d bytes at %d): wrong bytes", tc.n, tc.off)
		}
	}
	all, err := io.ReadAll(io.NewSectionReader(r, 0, r.Size()))
	if err != nil || !bytes.Equal(all, body) {
		t.Errorf("section read: %d bytes, %v", len(all), err)
	}
	// Replaced under the reader: no bytes of the new version come back as
	// the old one's.
	put(t, b, "p.parquet", string(body[:4000])+"changed")
	if _, err := r.ReadAt(make([]byte, 10), 100); !errors.Is(err, backend.ErrChanged) {
		t.Errorf("read after the object was replaced: %v, want ErrChanged", err)
	}
}

func testMissing(t *testing.T, b backend.Backend, _ Options) {
	put(t, b, "dir/present", "x")
	for _, key := range []string{"absent", "dir/absent", "dir"} {
		_, err := b.Stat(ctxT(t), key)
		checkNotExist(t, b, "stat", key, err)
		_, _, err = b.Open(ctxT(t), key)
		checkNotExist(t, b, "open", key, err)
	}
}

func checkNotExist(t *testing.T, b backend.Backend, op, key string, err error) {
	t.Helper()
	var be *backend.Error
	switch {
	case !errors.Is(err, backend.ErrNotExist):
		t.Errorf("%s %s: %v, want ErrNotExist", op, key, err)
	case !errors.As(err, &be) || be.Key != key || be.Location != b.Location():
		t.Errorf("%s %s: %#v does not name the key and the store", op, key, err)
	}
}

func testReplaceChangesETag(t *testing.T, b backend.Backend, _ Options) {
	seen := map[string]bool{}
	for i := range 20 {
		// The same size every time: the ETag must follow the content's
		// version, not its length.
		in := put(t, b, "same", fmt.Sprintf("v%02d", i))
		if seen[in.ETag] {
			t.Fatalf("version %d has the ETag %q of an earlier version", i, in.ETag)
		}
		seen[in.ETag] = true
		if st, err := b.Stat(ctxT(t), "same"); err != nil || st.ETag != in.ETag {
			t.Fatalf("stat after put %d: %+v, %v; want ETag %q", i, st, err, in.ETag)
		}
	}
}

func testConditional(t *testing.T, b backend.Backend, _ Options) {
	type step struct {
		name    string
		cond    func(prev backend.Info) backend.Cond
		body    string
		wantErr bool
	}
	for _, tc := range []struct {
		name  string
		setup string // body to put first; "" means no object
		steps []step
	}{
		{"create-only on missing", "", []step{
			{"create", func(backend.Info) backend.Cond { return backend.Cond{IfNoneMatch: true} }, "new", false},
		}},
		{"create-only on existing", "old", []step{
			{"create", func(backend.Info) backend.Cond { return backend.Cond{IfNoneMatch: true} }, "new", true},
		}},
		{"if-match current", "old", []step{
			{"replace", func(p backend.Info) backend.Cond { return backend.Cond{IfMatch: p.ETag} }, "new", false},
			{"replace again with the new ETag", func(p backend.Info) backend.Cond { return backend.Cond{IfMatch: p.ETag} }, "newer", false},
		}},
		{"if-match stale", "old", []step{
			{"replace", func(p backend.Info) backend.Cond { return backend.Cond{IfMatch: p.ETag} }, "new", false},
			{"replace with the first ETag", func(backend.Info) backend.Cond { return backend.Cond{IfMatch: "stale"} }, "lost", true},
		}},
		{"if-match made-up etag", "old", []step{
			{"replace", func(backend.Info) backend.Cond { return backend.Cond{IfMatch: `"0123456789abcdef0123456789abcdef"`} }, "new", true},
		}},
		{"if-match on missing", "", []step{
			{"replace", func(backend.Info) backend.Cond { return backend.Cond{IfMatch: `"0123456789abcdef0123456789abcdef"`} }, "new", true},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "cond/" + tc.name
			var prev backend.Info
			want, exists := "", false
			if tc.setup != "" {
				prev = put(t, b, key, tc.setup)
				want, exists = tc.setup, true
			}
			first := prev
			for _, s := range tc.steps {
				cond := s.cond(prev)
				if cond.IfMatch == "stale" {
					cond.IfMatch = first.ETag
				}
				in, err := backend.PutBytes(ctxT(t), b, key, []byte(s.body), cond)
				if s.wantErr {
					if !errors.Is(err, backend.ErrPreconditionFailed) {
						t.Fatalf("%s (%v): %v, want ErrPreconditionFailed", s.name, cond, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s (%v): %v", s.name, cond, err)
				}
				prev, want, exists = in, s.body, true
			}
			if !exists {
				assertAbsent(t, b, key)
				return
			}
			got, in := mustRead(t, b, key)
			if got != want || in.ETag != prev.ETag {
				t.Errorf("object is %q (ETag %s), want %q (ETag %s)", got, in.ETag, want, prev.ETag)
			}
		})
	}
}

func testDelete(t *testing.T, b backend.Backend, _ Options) {
	put(t, b, "d/one", "1")
	put(t, b, "d/two", "2")
	if err := b.Delete(ctxT(t), "d/one"); err != nil {
		t.Fatal(err)
	}
	assertAbsent(t, b, "d/one")
	if err := b.Delete(ctxT(t), "d/one"); err != nil {
		t.Errorf("deleting a missing object: %v, want nil", err)
	}
	if err := b.Delete(ctxT(t), "never/was"); err != nil {
		t.Errorf("deleting a never-written object: %v, want nil", err)
	}
	if got := keys(t, b, "d/"); !slices.Equal(got, []string{"d/two"}) {
		t.Errorf("list after delete: %v", got)
	}
	// A key can be written again where its folder was emptied.
	if err := b.Delete(ctxT(t), "d/two"); err != nil {
		t.Fatal(err)
	}
	put(t, b, "d/three", "3")
	if got := keys(t, b, ""); !slices.Equal(got, []string{"d/three"}) {
		t.Errorf("list after rewrite: %v", got)
	}
}

func testDeleteIfMatch(t *testing.T, b backend.Backend, _ Options) {
	cd, ok := b.(backend.ConditionalDeleter)
	if !ok {
		t.Skip("the store has no conditional delete")
	}
	v1 := put(t, b, "cd", "v1")
	v2 := put(t, b, "cd", "v2")
	if err := cd.DeleteIfMatch(ctxT(t), "cd", v1.ETag); !errors.Is(err, backend.ErrPreconditionFailed) {
		t.Errorf("delete with the old ETag: %v, want ErrPreconditionFailed", err)
	}
	if got, _ := mustRead(t, b, "cd"); got != "v2" {
		t.Errorf("after the refused delete the object is %q", got)
	}
	if err := cd.DeleteIfMatch(ctxT(t), "cd", v2.ETag); err != nil {
		t.Fatalf("delete with the current ETag: %v", err)
	}
	assertAbsent(t, b, "cd")
	if err := cd.DeleteIfMatch(ctxT(t), "cd", v2.ETag); err != nil {
		t.Errorf("conditional delete of a missing object: %v, want nil as for Delete", err)
	}
}

func keys(t *testing.T, b backend.Backend, prefix string) []string {
	t.Helper()
	var ks []string
	err := b.List(ctxT(t), prefix, func(in backend.Info) error {
		ks = append(ks, in.Key)
		return nil
	})
	if err != nil {
		t.Fatalf("list %q: %v", prefix, err)
	}
	return ks
}

func testList(t *testing.T, b backend.Backend, _ Options) {
	all := []string{"_state/lock", "orders.json", "orders/m=1/x.parquet", "orders/m=2/y.parquet", "ordersx/z", "z"}
	infos := map[string]backend.Info{}
	for i, k := range slices.Backward(all) {
		infos[k] = put(t, b, k, string(make([]byte, i)))
	}
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"", all},
		{"orders/", []string{"orders/m=1/x.parquet", "orders/m=2/y.parquet"}},
		{"orders", []string{"orders.json", "orders/m=1/x.parquet", "orders/m=2/y.parquet", "ordersx/z"}},
		{"orders/m=1", []string{"orders/m=1/x.parquet"}},
		{"orders/m=1/x.parquet", []string{"orders/m=1/x.parquet"}},
		{"_state/", []string{"_state/lock"}},
		{"nope/", nil},
		{"nope", nil},
		{"z", []string{"z"}},
	} {
		t.Run(tc.prefix, func(t *testing.T) {
			var got []string
			err := b.List(ctxT(t), tc.prefix, func(in backend.Info) error {
				got = append(got, in.Key)
				if w := infos[in.Key]; in.Size != w.Size || in.ETag != w.ETag {
					t.Errorf("listed %+v, put returned %+v", in, w)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("list %q = %q, want %q", tc.prefix, got, tc.want)
			}
		})
	}
	stop := errors.New("stop")
	n := 0
	err := b.List(ctxT(t), "", func(backend.Info) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("list whose callback fails: %v after %d calls, want the callback's error after 1", err, n)
	}
}

func testInvalidKeys(t *testing.T, b backend.Backend, _ Options) {
	for _, key := range []string{"", "/abs", "a//b", "a/../b", "..", "a/.", "a/", "a\\b", "nul\x00", "bad\xff", ".x.tmp-123", "d/.x.tmp-1/y", string(make([]byte, backend.MaxKeyLen+1))} {
		ops := map[string]error{}
		_, ops["put"] = backend.PutBytes(ctxT(t), b, key, []byte("x"), backend.Cond{})
		_, ops["stat"] = b.Stat(ctxT(t), key)
		_, _, ops["open"] = b.Open(ctxT(t), key)
		ops["delete"] = b.Delete(ctxT(t), key)
		for op, err := range ops {
			if !errors.Is(err, backend.ErrInvalidKey) {
				t.Errorf("%s %q: %v, want ErrInvalidKey", op, key, err)
			}
		}
	}
	for _, p := range []string{"/abs", "../up", "a/../b", "a//"} {
		if err := b.List(ctxT(t), p, func(backend.Info) error { return nil }); !errors.Is(err, backend.ErrInvalidKey) {
			t.Errorf("list %q: %v, want ErrInvalidKey", p, err)
		}
	}
	if got := keys(t, b, ""); len(got) != 0 {
		t.Errorf("invalid keys left objects: %q", got)
	}
}

// stream is a non-seekable body of n deterministic bytes, so a store
// cannot learn its size or read it twice.
type stream struct {
	r    io.Reader
	left int64
}

func newStream(seed byte, n int64) *stream {
	return &stream{r: rand.NewChaCha8([32]byte{seed}), left: n}
}

func (s *stream) Read(p []byte) (int, error) {
	if s.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.r.Read(p)
	s.left -= int64(n)
	return n, err
}

func sum(r io.Reader) ([32]byte, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	return [32]byte(h.Sum(nil)), n, err
}

func testLarge(t *testing.T, b backend.Backend, o Options) {
	size := 3*o.PartSize + 12345
	want, _, _ := sum(newStream(9, size))
	in, err := b.Put(ctxT(t), "big/object.bin", newStream(9, size), backend.Cond{IfNoneMatch: true})
	if err != nil {
		t.Fatal(err)
	}
	if in.Size != size {
		t.Errorf("put size %d, want %d", in.Size, size)
	}
	rc, oin, err := b.Open(ctxT(t), "big/object.bin")
	if err != nil {
		t.Fatal(err)
	}
	got, n, err := sum(rc)
	rc.Close()
	if err != nil || n != size || got != want || oin.ETag != in.ETag {
		t.Errorf("read back %d bytes (err %v, ETag %s): content or ETag differ from the %d written (ETag %s)", n, err, oin.ETag, size, in.ETag)
	}
	// A large create-only write on a taken key fails, however many parts
	// it was sent in, and leaves the first object.
	_, err = b.Put(ctxT(t), "big/object.bin", newStream(10, size), backend.Cond{IfNoneMatch: true})
	if !errors.Is(err, backend.ErrPreconditionFailed) {
		t.Errorf("second large create-only put: %v, want ErrPreconditionFailed", err)
	}
	_, err = b.Put(ctxT(t), "big/object.bin", newStream(10, size), backend.Cond{IfMatch: `"not-the-etag"`})
	if !errors.Is(err, backend.ErrPreconditionFailed) {
		t.Errorf("large if-match put with a wrong ETag: %v, want ErrPreconditionFailed", err)
	}
	if st, err := b.Stat(ctxT(t), "big/object.bin"); err != nil || st.ETag != in.ETag {
		t.Errorf("after the failed puts: %+v, %v; want the first object", st, err)
	}
	in2, err := b.Put(ctxT(t), "big/object.bin", newStream(11, size), backend.Cond{IfMatch: in.ETag})
	if err != nil || in2.ETag == in.ETag {
		t.Errorf("large if-match put with the right ETag: %+v, %v", in2, err)
	}
	assertNoUploads(t, b, "big/")
}

func assertNoUploads(t *testing.T, b backend.Backend, prefix string) {
	t.Helper()
	if ul, ok := b.(backend.UploadLister); ok {
		ups, err := ul.ListIncompleteUploads(ctxT(t), prefix)
		if err != nil || len(ups) != 0 {
			t.Errorf("incomplete uploads under %q: %+v, %v; want none", prefix, ups, err)
		}
	}
}

func testWriter(t *testing.T, b backend.Backend, o Options) {
	w := backend.Create(ctxT(t), b, "w/committed", backend.Cond{IfNoneMatch: true})
	var want bytes.Buffer
	for i := range 1000 {
		fmt.Fprintf(io.MultiWriter(w, &want), "line %d\n", i)
	}
	in, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	w.Abort() // a no-op after Commit
	if got, _ := mustRead(t, b, "w/committed"); got != want.String() || in.Size != int64(want.Len()) {
		t.Errorf("writer committed %d bytes (info %+v), want %d", len(got), in, want.Len())
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, backend.ErrClosed) {
		t.Errorf("write after commit: %v, want ErrClosed", err)
	}

	for _, size := range []int64{10, o.PartSize + 1} {
		key := fmt.Sprintf("w/aborted-%d", size)
		w = backend.Create(ctxT(t), b, key, backend.Cond{})
		if _, err := io.Copy(w, newStream(3, size)); err != nil {
			t.Fatal(err)
		}
		w.Abort()
		assertAbsent(t, b, key)
	}
	assertNoUploads(t, b, "w/")

	// The writer reports the store's refusal.
	w = backend.Create(ctxT(t), b, "w/committed", backend.Cond{IfNoneMatch: true})
	fmt.Fprintln(w, "again")
	if _, err := w.Commit(); !errors.Is(err, backend.ErrPreconditionFailed) {
		t.Errorf("commit on a taken key: %v, want ErrPreconditionFailed", err)
	}
}

// failing fails after n bytes, as a source file that turns out unreadable.
type failing struct {
	n   int64
	err error
}

func (f *failing) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, f.err
	}
	if int64(len(p)) > f.n {
		p = p[:f.n]
	}
	clear(p)
	f.n -= int64(len(p))
	return len(p), nil
}

func testFailedBody(t *testing.T, b backend.Backend, o Options) {
	boom := errors.New("source unreadable")
	for _, n := range []int64{0, 100, o.PartSize + 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			old := put(t, b, "keep", "old")
			_, err := b.Put(ctxT(t), "keep", &failing{n: n, err: boom}, backend.Cond{})
			if !errors.Is(err, boom) {
				t.Errorf("put from a failing body: %v, want the body's error", err)
			}
			if got, in := mustRead(t, b, "keep"); got != "old" || in.ETag != old.ETag {
				t.Errorf("after the failed put the object is %q, want the old one", got)
			}
			_, err = b.Put(ctxT(t), "fresh", &failing{n: n, err: boom}, backend.Cond{})
			if !errors.Is(err, boom) {
				t.Errorf("put from a failing body: %v, want the body's error", err)
			}
			assertAbsent(t, b, "fresh")
			assertNoUploads(t, b, "")
		})
	}
}

// gate yields n bytes, then blocks until released, then fails.
type gate struct {
	n       int64
	reached chan struct{}
	release chan struct{}
	once    sync.Once
}

func newGate(n int64) *gate {
	return &gate{n: n, reached: make(chan struct{}), release: make(chan struct{})}
}

func (g *gate) Read(p []byte) (int, error) {
	if g.n > 0 {
		if int64(len(p)) > g.n {
			p = p[:g.n]
		}
		clear(p)
		g.n -= int64(len(p))
		return len(p), nil
	}
	g.once.Do(func() { close(g.reached) })
	<-g.release
	return 0, errors.New("gate released")
}

func testCancelledPut(t *testing.T, b backend.Backend, o Options) {
	for _, n := range []int64{10, o.PartSize + 10} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			ctx, cancel := context.WithCancel(ctxT(t))
			g := newGate(n)
			done := make(chan error, 1)
			go func() {
				_, err := b.Put(ctx, "cancelled", g, backend.Cond{})
				done <- err
			}()
			<-g.reached
			cancel()
			// A reader that ignores the context is unblocked by its
			// owner; the put must not publish what it had.
			time.Sleep(50 * time.Millisecond)
			close(g.release)
			if err := <-done; err == nil {
				t.Fatal("cancelled put succeeded")
			}
			assertAbsent(t, b, "cancelled")
		})
	}
}

func testRaceCreateOnly(t *testing.T, b backend.Backend, o Options) {
	raceConditionalPuts(t, b, o, "create-only", func(round int) (string, backend.Cond) {
		return fmt.Sprintf("race/create-%d", round), backend.Cond{IfNoneMatch: true}
	})
}

func testRaceIfMatch(t *testing.T, b backend.Backend, o Options) {
	raceConditionalPuts(t, b, o, "if-match", func(round int) (string, backend.Cond) {
		key := fmt.Sprintf("race/match-%d", round)
		base := put(t, b, key, "base")
		return key, backend.Cond{IfMatch: base.ETag}
	})
}

// raceConditionalPuts starts six writers at once on the key and condition
// each round's setup gives, and checks that exactly one wins and that the
// object holds what it wrote.
func raceConditionalPuts(t *testing.T, b backend.Backend, o Options, kind string, setup func(round int) (string, backend.Cond)) {
	const racers = 6
	for round := range o.Rounds {
		key, cond := setup(round)
		var wins atomic.Int32
		var winner atomic.Value
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range racers {
			wg.Go(func() {
				<-start
				body := fmt.Sprintf("racer %d", i)
				_, err := backend.PutBytes(ctxT(t), b, key, []byte(body), cond)
				switch {
				case err == nil:
					wins.Add(1)
					winner.Store(body)
				case !errors.Is(err, backend.ErrPreconditionFailed):
					t.Errorf("round %d racer %d: %v", round, i, err)
				}
			})
		}
		close(start)
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("round %d: %d %s writers won, want exactly 1", round, wins.Load(), kind)
		}
		if got, _ := mustRead(t, b, key); got != winner.Load() {
			t.Fatalf("round %d: object is %q, the winner wrote %q", round, got, winner.Load())
		}
	}
}

func testIncompleteUploads(t *testing.T, b backend.Backend, o Options) {
	ul, okL := b.(backend.UploadLister)
	ua, okA := b.(backend.UploadAborter)
	if !okL || !okA {
		t.Skip("the store keeps no incomplete uploads")
	}
	// Enough bytes that the store has started the upload (an S3 store
	// buffers one part before it starts a multipart upload).
	g := newGate(o.PartSize + 1)
	done := make(chan error, 1)
	go func() {
		_, err := b.Put(ctxT(t), "up/in-progress", g, backend.Cond{})
		done <- err
	}()
	<-g.reached
	var ups []backend.Upload
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var err error
		if ups, err = ul.ListIncompleteUploads(ctxT(t), "up/"); err != nil {
			t.Fatal(err)
		}
		if len(ups) > 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(ups) != 1 || ups[0].Key != "up/in-progress" || ups[0].ID == "" {
		t.Fatalf("incomplete uploads during a put: %+v, want one for up/in-progress", ups)
	}
	if got, err := ul.ListIncompleteUploads(ctxT(t), "other/"); err != nil || len(got) != 0 {
		t.Errorf("incomplete uploads under another prefix: %+v, %v", got, err)
	}
	if ab, err := ua.AbortIncompleteUploads(ctxT(t), "up/", time.Hour); err != nil || len(ab) != 0 {
		t.Errorf("abort of uploads older than an hour: %+v, %v; want none aborted", ab, err)
	}
	ab, err := ua.AbortIncompleteUploads(ctxT(t), "up/", 0)
	if err != nil || len(ab) != 1 || ab[0].ID != ups[0].ID {
		t.Errorf("abort: %+v, %v; want %+v", ab, err, ups)
	}
	close(g.release)
	if err := <-done; err == nil {
		t.Error("a put whose upload was aborted succeeded")
	}
	assertAbsent(t, b, "up/in-progress")
	assertNoUploads(t, b, "")
}

// Stalled yields N zero bytes and then blocks for ever: the body of a
// writer whose process is killed in the middle of an upload.
type Stalled struct{ N int64 }

func (s *Stalled) Read(p []byte) (int, error) {
	if s.N <= 0 {
		select {}
	}
	p = p[:min(int64(len(p)), s.N)]
	clear(p)
	s.N -= int64(len(p))
	return len(p), nil
}

// KilledStore is a store whose kill test CheckKilledUpload can judge.
type KilledStore interface {
	backend.Backend
	backend.UploadLister
	backend.UploadAborter
}

// CheckKilledUpload checks what a writer killed in the middle of its
// upload of key leaves in s: no object, only one incomplete upload of key,
// which an abort removes, after which the next run can create key again.
func CheckKilledUpload(t *testing.T, ctx context.Context, s KilledStore, key string) {
	t.Helper()
	if _, err := s.Stat(ctx, key); !errors.Is(err, backend.ErrNotExist) {
		t.Errorf("after the kill, stat %s: %v; want no object", key, err)
	}
	var listed []string
	s.List(ctx, "", func(in backend.Info) error { listed = append(listed, in.Key); return nil })
	if len(listed) != 0 {
		t.Errorf("after the kill the store lists %q, want nothing", listed)
	}
	ups, err := s.ListIncompleteUploads(ctx, "")
	if err != nil || len(ups) != 1 || ups[0].Key != key {
		t.Fatalf("incomplete uploads after the kill: %+v, %v; want the killed one", ups, err)
	}
	aborted, err := s.AbortIncompleteUploads(ctx, "", 0)
	if err != nil || len(aborted) != 1 || aborted[0].ID != ups[0].ID {
		t.Fatalf("abort: %+v, %v", aborted, err)
	}
	if ups, err := s.ListIncompleteUploads(ctx, ""); err != nil || len(ups) != 0 {
		t.Errorf("incomplete uploads after the abort: %+v, %v", ups, err)
	}
	// The key is free: the next run's create-only write of it succeeds.
	if _, err := backend.PutBytes(ctx, s, key, []byte("next run"), backend.Cond{IfNoneMatch: true}); err != nil {
		t.Errorf("create-only put after the cleanup: %v", err)
	}
}
