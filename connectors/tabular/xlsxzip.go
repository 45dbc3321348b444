package tabular

import (
	"archive/zip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"runtime"
	"sync"
)

const (
	// readAheadMin is the unpacked size from which a part is inflated on
	// its own goroutine: inflating costs about as much as scanning the XML,
	// so on more than one core the two overlap.
	readAheadMin   = 1 << 20
	readAheadChunk = 256 << 10
	readAheadDepth = 4
)

// openPart opens a zip entry for streaming, inflating ahead of the reader
// when the entry is big enough for that to pay.
func openPart(f *zip.File) (io.ReadCloser, error) {
	rc, err := f.Open()
	if err != nil || f.UncompressedSize64 < readAheadMin || runtime.GOMAXPROCS(0) < 2 {
		return rc, err
	}
	return newReadAhead(rc), nil
}

// readAhead reads its source on a goroutine into a few recycled buffers.
// Memory stays bounded by readAheadDepth chunks.
type readAhead struct {
	src  io.ReadCloser
	full chan []byte
	free chan []byte
	done chan struct{}
	wg   sync.WaitGroup
	stop sync.Once

	cur []byte
	buf []byte // the buffer cur is a part of, recycled once read
	err error  // the source's error, after its last chunk
	end chan error
}

func newReadAhead(src io.ReadCloser) *readAhead {
	r := &readAhead{
		src:  src,
		full: make(chan []byte, readAheadDepth),
		free: make(chan []byte, readAheadDepth),
		done: make(chan struct{}),
		end:  make(chan error, 1),
	}
	for range readAheadDepth {
		r.free <- make([]byte, readAheadChunk)
	}
	r.wg.Add(1)
	go r.fill()
	return r
}

func (r *readAhead) fill() {
	defer r.wg.Done()
	r.end <- r.pump()
	close(r.full)
}

// pump moves chunks from the source to full until the source ends or the
// reader is closed, and returns the error Read reports after the last one.
func (r *readAhead) pump() error {
	for {
		var b []byte
		select {
		case b = <-r.free:
		case <-r.done:
			return errReadAheadClosed
		}
		n, err := io.ReadFull(r.src, b)
		if n > 0 {
			select {
			case r.full <- b[:n]:
			case <-r.done:
				return errReadAheadClosed
			}
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return io.EOF
		}
		if err != nil {
			return err
		}
	}
}

var errReadAheadClosed = errors.New("read after close")

func (r *readAhead) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.buf != nil {
			r.free <- r.buf[:cap(r.buf)]
			r.buf = nil
		}
		b, ok := <-r.full
		if !ok {
			r.err = <-r.end
			continue
		}
		r.cur, r.buf = b, b
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// Close stops the goroutine and closes the source.
func (r *readAhead) Close() error {
	r.halt()
	r.wg.Wait()
	return r.src.Close()
}

func (r *readAhead) halt() { r.stop.Do(func() { close(r.done) }) }

// stopWhenUnreachable stops the read-ahead goroutine of rc, if it has one,
// once owner is garbage: a stream its caller forgot to close must not keep
// a goroutine blocked for ever.
func stopWhenUnreachable[T any](owner *T, rc io.Closer) {
	if ra, ok := rc.(*readAhead); ok {
		runtime.AddCleanup(owner, func(ra *readAhead) { ra.halt() }, ra)
	}
}

// dirBytesPerPart is the room a part may take in the zip directory when
// checkZipDirectory bounds it: a directory entry is 46 bytes and the part's
// name, extra fields and comment.
const dirBytesPerPart = 1 << 10

// checkZipDirectory refuses a zip whose central directory is bigger than
// Limits.MaxParts entries need, before archive/zip reads it: archive/zip
// holds an entry of a few hundred bytes for every 46 bytes of directory, and
// reads entries until the file ends, whatever count the directory states.
// A file whose end cannot be read as a zip is left for archive/zip to
// report.
func checkZipDirectory(path string, limits Limits) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	const eocdLen, locatorLen, eocd64Len = 22, 20, 56
	tail := min(size, eocdLen+65535+locatorLen)
	buf := make([]byte, tail)
	if _, err := f.ReadAt(buf, size-tail); err != nil {
		return nil
	}
	at := findEOCD(buf)
	if at < 0 {
		return nil
	}
	eocdPos := size - tail + int64(at)
	e := buf[at:]
	dirOffset := int64(binary.LittleEndian.Uint32(e[16:]))
	if (binary.LittleEndian.Uint16(e[10:]) == 0xffff || dirOffset == 0xffffffff) && at >= locatorLen {
		loc := buf[at-locatorLen : at]
		if binary.LittleEndian.Uint32(loc) == 0x07064b50 {
			off := binary.LittleEndian.Uint64(loc[8:])
			var rec [eocd64Len]byte
			if off < uint64(size) {
				if _, err := f.ReadAt(rec[:], int64(off)); err == nil && binary.LittleEndian.Uint32(rec[:]) == 0x06064b50 {
					if o := binary.LittleEndian.Uint64(rec[48:]); o <= uint64(size) {
						dirOffset = int64(o)
						eocdPos = int64(off)
					}
				}
			}
		}
	}
	if dirOffset > eocdPos {
		return nil
	}
	if eocdPos-dirOffset > int64(limits.MaxParts)*dirBytesPerPart {
		return overLimit("the zip directory", "%d bytes (room for %d parts)", int64(limits.MaxParts)*dirBytesPerPart, limits.MaxParts)
	}
	return nil
}

// findEOCD finds the end of central directory record in the tail of a zip,
// as archive/zip does: the last signature whose comment length fits.
func findEOCD(b []byte) int {
	for i := len(b) - 22; i >= 0; i-- {
		if b[i] == 'P' && b[i+1] == 'K' && b[i+2] == 0x05 && b[i+3] == 0x06 {
			n := int(binary.LittleEndian.Uint16(b[i+20:]))
			if i+22+n <= len(b) {
				return i
			}
		}
	}
	return -1
}
