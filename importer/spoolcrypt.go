package importer

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Scratch spools hold every order a run reads, personal data in clear
// included (matching needs the clear values), so they are encrypted with
// AES-256 in CTR mode under a key drawn at random for the process, kept in
// memory only, and a random IV per file written at the file's start: what
// reaches the disk, or is left there by a killed run, reads as noise
// whatever --pii says. The spools need confidentiality only: they are
// written and read by the same process, and a torn one is never read (the
// run that wrote it is gone, and so is the key).
var spoolCipher = sync.OnceValues(func() (cipher.Block, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return aes.NewCipher(key)
})

// encryptTo starts an encrypted spool on w: it writes the file's IV and
// returns the writer of its content.
func encryptTo(w io.Writer) (io.Writer, error) {
	block, err := spoolCipher()
	if err != nil {
		return nil, fmt.Errorf("scratch encryption: %w", err)
	}
	iv := make([]byte, aes.BlockSize)
	if _, err := rand.Read(iv); err != nil {
		return nil, fmt.Errorf("scratch encryption: %w", err)
	}
	if _, err := w.Write(iv); err != nil {
		return nil, err
	}
	return cipher.StreamWriter{S: cipher.NewCTR(block, iv), W: w}, nil
}

// decryptFrom reads the IV of an encrypted spool from r and returns the
// reader of its content. A file too short to hold an IV reads as empty.
func decryptFrom(r io.Reader) (io.Reader, error) {
	block, err := spoolCipher()
	if err != nil {
		return nil, fmt.Errorf("scratch encryption: %w", err)
	}
	iv := make([]byte, aes.BlockSize)
	if _, err := io.ReadFull(r, iv); err != nil {
		if errors.Is(err, io.EOF) {
			return eofReader{}, nil
		}
		return nil, err
	}
	return cipher.StreamReader{S: cipher.NewCTR(block, iv), R: r}, nil
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
