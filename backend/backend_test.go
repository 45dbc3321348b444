package backend

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckKey(t *testing.T) {
	for _, tc := range []struct {
		key  string
		ok   bool
		says string
	}{
		{"a", true, ""},
		{"_manifest.json", true, ""},
		{"orders/ordered_month=2026-01/part-0001-run.parquet", true, ""},
		{".staging-run1/orders/x.parquet", true, ""},
		{"a..b/c...d", true, ""},
		{"ação/日本", true, ""},
		{"", false, "empty"},
		{"/a", false, "starts with a slash"},
		{"a/", false, "empty segment"},
		{"a//b", false, "empty segment"},
		{"./a", false, `"." or ".."`},
		{"a/../b", false, `"." or ".."`},
		{"..", false, `"." or ".."`},
		{`a\b`, false, "backslash"},
		{"a\x00b", false, "control"},
		{"a\nb", false, "control"},
		{"a\x7fb", false, "control"},
		{"\xc3\x28", false, "UTF-8"},
		{".x.tmp-abc", false, "temp file"},
		{"d/.part.parquet.tmp-1", false, "temp file"},
		{strings.Repeat("a", MaxKeyLen), true, ""},
		{strings.Repeat("a", MaxKeyLen+1), false, "longer than"},
	} {
		err := CheckKey(tc.key)
		if tc.ok {
			if err != nil {
				t.Errorf("CheckKey(%q) = %v, want ok", tc.key, err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidKey) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("CheckKey(%q) = %v, want ErrInvalidKey saying %q", tc.key, err, tc.says)
		}
	}
}

func TestCheckPrefix(t *testing.T) {
	for _, tc := range []struct {
		prefix string
		ok     bool
	}{
		{"", true}, {"orders/", true}, {"orders", true}, {"orders/ordered_month=2026", true}, {"a/b/", true},
		{"/a", false}, {"a//", false}, {"../a", false}, {"a/..", false}, {"a/.", false}, {`a\`, false},
	} {
		if err := CheckPrefix(tc.prefix); (err == nil) != tc.ok {
			t.Errorf("CheckPrefix(%q) = %v, want ok %v", tc.prefix, err, tc.ok)
		}
	}
}

func TestJoin(t *testing.T) {
	for _, tc := range []struct{ loc, key, want string }{
		{"s3://b/p", "k", "s3://b/p/k"},
		{"s3://b", "", "s3://b"},
		{"/data/", "k", "/data/k"},
		{"", "k", "k"},
	} {
		if got := Join(tc.loc, tc.key); got != tc.want {
			t.Errorf("Join(%q, %q) = %q, want %q", tc.loc, tc.key, got, tc.want)
		}
	}
}

// FuzzCheckKey: a key CheckKey accepts never reaches outside a folder it
// is joined to, on either path syntax, and is never taken for a temp file.
func FuzzCheckKey(f *testing.F) {
	for _, s := range []string{"a/b", "../a", "a/./b", `a\..\b`, ".x.tmp-1", "a//b", "ação"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if CheckKey(key) != nil {
			return
		}
		root := filepath.FromSlash("/root/store")
		p := filepath.Join(root, filepath.FromSlash(key))
		if !strings.HasPrefix(p, root+string(filepath.Separator)) {
			t.Fatalf("valid key %q joins to %q, outside %q", key, p, root)
		}
		if filepath.ToSlash(p[len(root)+1:]) != key {
			t.Fatalf("valid key %q is changed by joining: %q", key, p)
		}
		for _, seg := range strings.Split(key, "/") {
			if IsTempName(seg) || seg == "." || seg == ".." || seg == "" {
				t.Fatalf("valid key %q has segment %q", key, seg)
			}
		}
	})
}
