package backend

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
)

// memStore is the least store Writer needs: Put only.
type memStore struct {
	Backend
	got     []byte
	stopAt  int   // Put stops reading after this many bytes (0: never)
	failErr error // and returns this
}

func (m *memStore) Location() string { return "mem" }

func (m *memStore) Put(_ context.Context, key string, r io.Reader, _ Cond) (Info, error) {
	var buf bytes.Buffer
	var err error
	if m.stopAt > 0 {
		_, err = io.CopyN(&buf, r, int64(m.stopAt))
		if err == nil {
			return Info{}, m.failErr
		}
	} else {
		_, err = io.Copy(&buf, r)
	}
	if err != nil {
		return Info{}, err
	}
	m.got = buf.Bytes()
	return Info{Key: key, Size: int64(buf.Len()), ETag: "e"}, nil
}

func TestWriter(t *testing.T) {
	ctx := context.Background()
	t.Run("commit", func(t *testing.T) {
		m := &memStore{}
		w := Create(ctx, m, "k", Cond{})
		io.WriteString(w, "hello ")
		io.WriteString(w, "world")
		in, err := w.Commit()
		if err != nil || string(m.got) != "hello world" || in.Size != 11 {
			t.Fatalf("commit: %+v, %v, stored %q", in, err, m.got)
		}
		if _, err := w.Commit(); !errors.Is(err, ErrClosed) {
			t.Errorf("second commit: %v, want ErrClosed", err)
		}
	})
	t.Run("abort", func(t *testing.T) {
		m := &memStore{}
		w := Create(ctx, m, "k", Cond{})
		io.WriteString(w, "partial")
		w.Abort()
		w.Abort()
		if m.got != nil {
			t.Errorf("aborted write stored %q", m.got)
		}
		if _, err := w.Write([]byte("x")); !errors.Is(err, ErrClosed) {
			t.Errorf("write after abort: %v, want ErrClosed", err)
		}
	})
	t.Run("the store gives up midway", func(t *testing.T) {
		boom := errors.New("store refused")
		m := &memStore{stopAt: 4, failErr: boom}
		w := Create(ctx, m, "k", Cond{})
		var err error
		for range 100 {
			if _, err = w.Write([]byte("0123456789")); err != nil {
				break
			}
		}
		if !errors.Is(err, boom) {
			t.Errorf("write after the store failed: %v, want the store's error", err)
		}
		if _, err := w.Commit(); !errors.Is(err, boom) {
			t.Errorf("commit after the store failed: %v, want the store's error", err)
		}
	})
}
