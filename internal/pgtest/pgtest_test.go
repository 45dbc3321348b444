package pgtest

import (
	"context"
	"database/sql"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
)

func TestStart(t *testing.T) {
	s := Start(t)
	db, err := sql.Open("pgx", s.URI(s.Database))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRowContext(context.Background(), "SHOW server_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if len(v) < 3 || v[:3] != "15." {
		t.Errorf("server_version = %q, want 15.x", v)
	}
}
