package tabular

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/richardlehane/mscfb"
)

// ErrNotSpreadsheet is returned for files that are neither CSV text nor XLSX.
var ErrNotSpreadsheet = errors.New("not a CSV or XLSX file")

// ErrPasswordProtected is wrapped by the error for a workbook saved with a
// password: Excel encrypts the whole file, so nothing of it can be read.
var ErrPasswordProtected = errors.New("the workbook is password-protected")

// sniffHead is how much of a file DetectKind looks at: enough for every
// signature it knows and the first entry of a zip (an OpenDocument file's
// mimetype).
const sniffHead = 512

// DetectKind tells XLSX (a zip) from CSV (text) by content, not by name:
// sellers rename files and some tools save CSV with an .xls name. Other
// files are named for what they are, with what to do about them: a
// password-protected workbook, an Excel 97-2003 .xls, an OpenDocument .ods,
// a PDF or an image.
func DetectKind(path string) (Kind, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, sniffHead)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", err
	}
	head = head[:n]
	notSheet := func(what string) (Kind, error) {
		return "", fmt.Errorf("%w: %s", ErrNotSpreadsheet, what)
	}
	switch {
	case n == 0:
		return notSheet("the file is empty")
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		if what := openDocument(head); what != "" {
			return notSheet(what)
		}
		return KindXLSX, nil
	case bytes.HasPrefix(head, cfbSignature):
		return "", compoundFile(f)
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return notSheet("this is a PDF document, not a spreadsheet: download the orders from the marketplace as a spreadsheet (XLSX or CSV) instead of a printed report")
	}
	if img := imageFormat(head); img != "" {
		return notSheet("this is " + img + " image, not a spreadsheet: download the orders from the marketplace as a spreadsheet (XLSX or CSV)")
	}
	if bytes.IndexByte(head[:min(n, 8)], 0) >= 0 && !bytes.HasPrefix(head, []byte{0xFF, 0xFE}) && !bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
		return notSheet("the file holds binary data")
	}
	ext := strings.ToLower(filepath.Ext(path))
	if ext == ".xlsx" || ext == ".xlsm" {
		return notSheet("the name says .xlsx but the content is not a workbook (damaged or not an Excel file)")
	}
	return KindCSV, nil
}

// cfbSignature starts an OLE compound file: Office 97-2003 documents, and
// Office 2007+ documents saved with a password.
var cfbSignature = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// compoundFile names what an OLE compound file holds by its streams: an
// encrypted OOXML package (EncryptionInfo, EncryptedPackage), an Excel
// 97-2003 workbook (Workbook, or Book for Excel 5), or another Office 97-2003
// document.
func compoundFile(f *os.File) (err error) {
	const old = "this is an old Excel 97-2003 (.xls) workbook; open it in Excel or LibreOffice and save it as .xlsx (Excel Workbook) or CSV"
	defer func() {
		// mscfb reads what the file says; a damaged one must not take
		// the run down with it.
		if recover() != nil {
			err = fmt.Errorf("%w: %s (the file looks like one, but it is damaged)", ErrNotSpreadsheet, old)
		}
	}()
	doc, err := mscfb.New(f)
	if err != nil {
		return fmt.Errorf("%w: %s (the file looks like one, but it may be damaged)", ErrNotSpreadsheet, old)
	}
	var workbook bool
	for e, err := doc.Next(); err == nil; e, err = doc.Next() {
		switch e.Name {
		case "EncryptedPackage", "EncryptionInfo":
			return fmt.Errorf("%w: %w (Excel encrypts the whole file): open it in Excel, remove the password (File > Info > Protect Workbook > Encrypt with Password, clear it) and save it again, or save an unprotected copy as .xlsx", ErrNotSpreadsheet, ErrPasswordProtected)
		case "Workbook", "Book":
			workbook = true
		}
	}
	if workbook {
		return fmt.Errorf("%w: %s", ErrNotSpreadsheet, old)
	}
	return fmt.Errorf("%w: this is an Office 97-2003 document (Word, PowerPoint or similar), not a spreadsheet", ErrNotSpreadsheet)
}

// openDocument names an OpenDocument file (LibreOffice, Google Sheets'
// .ods download) from the mimetype entry its zip starts with, or "".
func openDocument(head []byte) string {
	const prefix = "application/vnd.oasis.opendocument."
	if len(head) < 30+8 || string(head[30:38]) != "mimetype" {
		return ""
	}
	i := bytes.Index(head, []byte(prefix))
	if i < 0 {
		return ""
	}
	if bytes.HasPrefix(head[i+len(prefix):], []byte("spreadsheet")) {
		return "this is an OpenDocument spreadsheet (.ods); open it in LibreOffice or Excel and save it as .xlsx (Excel 2007-365) or CSV"
	}
	return "this is an OpenDocument file (text or presentation), not a spreadsheet"
}

// imageFormat names the image format of head ("a PNG"), or "".
func imageFormat(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return "a PNG"
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return "a JPEG"
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return "a GIF"
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return "a WebP"
	case len(head) >= 12 && string(head[4:8]) == "ftyp" && (string(head[8:12]) == "heic" || string(head[8:12]) == "heix" || string(head[8:12]) == "mif1"):
		return "a HEIC"
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return "a TIFF"
	}
	return ""
}
