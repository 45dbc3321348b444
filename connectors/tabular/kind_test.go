package tabular

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

var update = flag.Bool("update", false, "rewrite the generated fixtures in testdata/")

// compoundFileBytes builds a minimal OLE compound file (version 3, 512-byte
// sectors) holding the named streams, each 4096 bytes long so that it lives
// in ordinary sectors rather than the mini stream. The first bytes of each
// stream are head[i].
func compoundFileBytes(names []string, heads [][]byte) []byte {
	const (
		sector     = 512
		streamSize = 4096
		free       = 0xFFFFFFFF
		endChain   = 0xFFFFFFFE
		fatSect    = 0xFFFFFFFD
	)
	le := binary.LittleEndian
	hdr := make([]byte, sector)
	copy(hdr, cfbSignature)
	le.PutUint16(hdr[24:], 0x3E)     // minor version
	le.PutUint16(hdr[26:], 3)        // major version
	le.PutUint16(hdr[28:], 0xFFFE)   // byte order
	le.PutUint16(hdr[30:], 9)        // sector shift: 512
	le.PutUint16(hdr[32:], 6)        // mini sector shift: 64
	le.PutUint32(hdr[44:], 1)        // FAT sectors
	le.PutUint32(hdr[48:], 1)        // first directory sector
	le.PutUint32(hdr[56:], 4096)     // mini stream cutoff
	le.PutUint32(hdr[60:], endChain) // first mini FAT sector
	le.PutUint32(hdr[68:], endChain) // first DIFAT sector
	le.PutUint32(hdr[76:], 0)        // the FAT is sector 0
	for i := 1; i < 109; i++ {
		le.PutUint32(hdr[76+4*i:], free)
	}
	fat := make([]byte, sector)
	for i := range 128 {
		le.PutUint32(fat[4*i:], free)
	}
	le.PutUint32(fat[0:], fatSect)
	le.PutUint32(fat[4:], endChain)
	per := streamSize / sector
	for s := range names {
		first := 2 + s*per
		for k := range per {
			next := uint32(first + k + 1)
			if k == per-1 {
				next = endChain
			}
			le.PutUint32(fat[4*(first+k):], next)
		}
	}
	dir := make([]byte, sector)
	entry := func(i int, name string, typ byte, left, right, child uint32, start uint32, size uint64) {
		e := dir[128*i : 128*(i+1)]
		u := utf16.Encode([]rune(name))
		for k, c := range u {
			le.PutUint16(e[2*k:], c)
		}
		le.PutUint16(e[64:], uint16(2*(len(u)+1)))
		e[66], e[67] = typ, 1
		le.PutUint32(e[68:], left)
		le.PutUint32(e[72:], right)
		le.PutUint32(e[76:], child)
		le.PutUint32(e[116:], start)
		le.PutUint64(e[120:], size)
	}
	entry(0, "Root Entry", 5, free, free, 1, endChain, 0)
	for s, name := range names {
		right := uint32(free)
		if s+1 < len(names) {
			right = uint32(s + 2)
		}
		entry(s+1, name, 2, free, right, free, uint32(2+s*per), streamSize)
	}
	out := append(append(hdr, fat...), dir...)
	for s := range names {
		data := make([]byte, streamSize)
		copy(data, heads[s])
		out = append(out, data...)
	}
	return out
}

// odsBytes is the start of an OpenDocument file: a zip whose first entry
// is the stored mimetype.
func odsBytes(mime string) []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	w, _ := z.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	w.Write([]byte(mime))
	w, _ = z.Create("content.xml")
	w.Write([]byte(`<office:document-content/>`))
	z.Close()
	return buf.Bytes()
}

// kindFixtures are the files DetectKind names, generated: go test -update
// rewrites them in testdata/kinds.
var kindFixtures = map[string][]byte{
	"protegido.xlsx": compoundFileBytes([]string{"EncryptionInfo", "EncryptedPackage"}, [][]byte{{4, 0, 4, 0, 0x40}, {0x10, 0x27}}),
	"vendas.xls":     compoundFileBytes([]string{"Workbook"}, [][]byte{{0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x05, 0x00}}),
	"carta.doc":      compoundFileBytes([]string{"WordDocument"}, [][]byte{{0xEC, 0xA5}}),
	"pedidos.ods":    odsBytes("application/vnd.oasis.opendocument.spreadsheet"),
	"notas.odt":      odsBytes("application/vnd.oasis.opendocument.text"),
	"relatorio.pdf":  []byte("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"),
	"print.png":      []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"),
	"foto.jpg":       {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00},
}

func TestKindFixtures(t *testing.T) {
	dir := filepath.Join("testdata", "kinds")
	for name, data := range kindFixtures {
		p := filepath.Join(dir, name)
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s is not what the generator writes (go test -update rewrites it): %v", p, err)
		}
	}
}

// loopingDirectory is vendas.xls with a directory chain that points back at
// itself, which a reader following it would follow for ever.
func loopingDirectory() []byte {
	data := bytes.Clone(kindFixtures["vendas.xls"])
	binary.LittleEndian.PutUint32(data[512+4:], 1)
	return data
}

func TestDetectKind(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want Kind
		err  string
	}{
		{"a.csv", []byte("a,b\n"), KindCSV, ""},
		{"a.xlsx", []byte("PK\x03\x04rest"), KindXLSX, ""},
		{"a.csv", nil, "", "empty"},
		{"a.bin", []byte{1, 0, 2}, "", "binary"},
		{"a.xlsx", []byte("a,b\n"), "", "not a workbook"},
		{"utf16.csv", []byte("\xFF\xFEa\x00,\x00b\x00\n\x00"), KindCSV, ""},
		{"protegido.xlsx", kindFixtures["protegido.xlsx"], "", "password-protected"},
		{"vendas.xls", kindFixtures["vendas.xls"], "", "old Excel 97-2003 (.xls) workbook; open it in Excel or LibreOffice and save it as .xlsx"},
		{"damaged.xls", cfbSignature, "", "97-2003 (.xls) workbook"},
		{"looping.xls", loopingDirectory(), "", "97-2003 (.xls) workbook"},
		{"carta.doc", kindFixtures["carta.doc"], "", "Office 97-2003 document"},
		{"pedidos.ods", kindFixtures["pedidos.ods"], "", "OpenDocument spreadsheet (.ods); open it in LibreOffice or Excel and save it as .xlsx"},
		{"notas.odt", kindFixtures["notas.odt"], "", "OpenDocument file"},
		{"relatorio.pdf", kindFixtures["relatorio.pdf"], "", "PDF document"},
		{"print.png", kindFixtures["print.png"], "", "a PNG image"},
		{"foto.jpg", kindFixtures["foto.jpg"], "", "a JPEG image"},
		{"anim.gif", []byte("GIF89a\x01\x00"), "", "a GIF image"},
		{"x.webp", []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), "", "a WebP image"},
	} {
		got, err := DetectKind(write(t, tc.name, tc.data))
		if got != tc.want || (tc.err == "") != (err == nil) || (err != nil && (!strings.Contains(err.Error(), tc.err) || !errors.Is(err, ErrNotSpreadsheet))) {
			t.Errorf("%s: %q, %v; want %q, %q", tc.name, got, err, tc.want, tc.err)
		}
		if strings.Contains(tc.err, "password") != errors.Is(err, ErrPasswordProtected) {
			t.Errorf("%s: errors.Is(ErrPasswordProtected) = %v", tc.name, errors.Is(err, ErrPasswordProtected))
		}
	}
}

// FuzzDetectKind: whatever a file holds, DetectKind names it or refuses it,
// never panics.
func FuzzDetectKind(f *testing.F) {
	for _, data := range kindFixtures {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if kind, err := DetectKind(p); (kind == "") == (err == nil) {
			t.Fatalf("kind %q, err %v", kind, err)
		}
	})
}
