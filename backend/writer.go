package backend

import (
	"context"
	"errors"
	"io"
	"sync"
)

// ErrAborted is the error a Put sees when its Writer is aborted.
var ErrAborted = errors.New("write aborted")

// ErrClosed is returned by a Writer used after Commit or Abort.
var ErrClosed = errors.New("writer already committed or aborted")

// Writer streams one object into a store: what is written goes to Put
// through a pipe, so memory stays what the store's Put holds, and the object
// appears only at Commit. It is not safe for concurrent use.
type Writer struct {
	pw     *io.PipeWriter
	done   chan struct{}
	info   Info
	err    error
	once   sync.Once
	closed bool
}

// Create starts writing key. The caller must end with Commit or Abort;
// Abort after Commit is a no-op, so it can be deferred.
func Create(ctx context.Context, b Backend, key string, cond Cond) *Writer {
	pr, pw := io.Pipe()
	w := &Writer{pw: pw, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		w.info, w.err = b.Put(ctx, key, pr, cond)
		// Unblocks a Write that Put stopped reading from.
		pr.CloseWithError(errPutReturned(w.err))
	}()
	return w
}

func errPutReturned(err error) error {
	if err != nil {
		return err
	}
	return io.ErrClosedPipe
}

func (w *Writer) Write(p []byte) (int, error) {
	if w.closed {
		return 0, ErrClosed
	}
	n, err := w.pw.Write(p)
	if err != nil {
		// Put failed (or returned early): its error says why.
		<-w.done
		if w.err != nil {
			return n, w.err
		}
	}
	return n, err
}

// Commit ends the body and waits for the store: the object is there when
// Commit returns nil.
func (w *Writer) Commit() (Info, error) {
	if w.closed {
		return Info{}, ErrClosed
	}
	w.closed = true
	w.pw.Close()
	<-w.done
	return w.info, w.err
}

// Abort discards the object: Put sees ErrAborted and leaves nothing
// under the key. It waits until the store has cleaned up.
func (w *Writer) Abort() {
	w.once.Do(func() {
		if !w.closed {
			w.closed = true
			w.pw.CloseWithError(ErrAborted)
		}
		<-w.done
	})
}
