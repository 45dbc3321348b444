package dataset

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	sqlcat "github.com/apache/iceberg-go/catalog/sql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// CatalogConfig says where the dataset's tables are registered: Iceberg's
// SQL catalog, the tables Spark's, Trino's and Flink's JDBC catalogs read,
// in a PostgreSQL database.
type CatalogConfig struct {
	// URI is the database, postgres://USER:PASSWORD@HOST:PORT/DB?...; it
	// holds a password, so it never appears in an error.
	URI string
	// Name is the catalog_name of the rows: the name the engines give the
	// catalog (spark.sql.catalog.NAME). DefaultCatalogName when empty.
	Name string
	// Namespace is the namespace (schema) the tables are registered in.
	Namespace string
}

// DefaultCatalogName is the catalog name rows are written under when the
// configuration gives none.
const DefaultCatalogName = "orderhist"

// ErrCatalogConflict is returned when the catalog names a metadata file of a
// table that this dataset did not commit: another writer changed the table.
var ErrCatalogConflict = errors.New("the catalog entry was changed by another writer")

// SQLCatalog is an open connection to the catalog database.
type SQLCatalog struct {
	db        *sql.DB
	name      string
	namespace string
	// where names the catalog in errors: host, port, database, never the
	// password.
	where    string
	password string
	// typed is set when iceberg_tables has the iceberg_type column (the
	// JDBC catalog's V1 schema); rows are written as its own would be.
	typed bool
}

// catalogTimeout bounds every conversation with the catalog database, so an
// unreachable host fails the run instead of hanging it.
const catalogTimeout = 30 * time.Second

// OpenSQLCatalog connects to the catalog database, creates the JDBC
// catalog's tables if they are missing (iceberg-go's SQL catalog creates
// them, so their schema is the one the engines expect) and the namespace.
func OpenSQLCatalog(ctx context.Context, cfg CatalogConfig) (*SQLCatalog, error) {
	if cfg.Name == "" {
		cfg.Name = DefaultCatalogName
	}
	if err := cfg.Check(); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	pc, err := pgx.ParseConfig(cfg.URI)
	if err != nil {
		// pgx quotes the URI in some parse errors; say only what is wrong.
		return nil, fmt.Errorf("catalog: uri is not a PostgreSQL connection URI (postgres://USER:PASSWORD@HOST:PORT/DATABASE): %s", redact(err.Error(), cfg.URI, ""))
	}
	c := &SQLCatalog{
		name:      cfg.Name,
		namespace: cfg.Namespace,
		where:     fmt.Sprintf("postgres://%s/%s", net.JoinHostPort(pc.Host, fmt.Sprint(pc.Port)), pc.Database),
		password:  pc.Password,
	}
	if pc.ConnectTimeout == 0 || pc.ConnectTimeout > catalogTimeout {
		pc.ConnectTimeout = catalogTimeout
	}
	c.db = stdlib.OpenDB(*pc)
	ctx, cancel := context.WithTimeout(ctx, catalogTimeout)
	defer cancel()
	if err := c.db.PingContext(ctx); err != nil {
		c.db.Close()
		return nil, c.errorf("cannot connect", err)
	}
	cat, err := sqlcat.NewCatalog(c.name, c.db, sqlcat.Postgres, iceberg.Properties{"init_catalog_tables": "true"})
	if err != nil {
		c.db.Close()
		return nil, c.errorf("cannot create the catalog tables", err)
	}
	ns := []string{c.namespace}
	exists, err := cat.CheckNamespaceExists(ctx, ns)
	if err == nil && !exists {
		err = cat.CreateNamespace(ctx, ns, iceberg.Properties{})
		if err != nil {
			// Another run may have created it meanwhile.
			if ok, err2 := cat.CheckNamespaceExists(ctx, ns); err2 == nil && ok {
				err = nil
			}
		}
	}
	if err != nil {
		c.db.Close()
		return nil, c.errorf("cannot create namespace "+c.namespace, err)
	}
	err = c.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'iceberg_tables' AND column_name = 'iceberg_type')`).Scan(&c.typed)
	if err != nil {
		c.db.Close()
		return nil, c.errorf("cannot read the catalog tables", err)
	}
	return c, nil
}

// Close closes the connection.
func (c *SQLCatalog) Close() error { return c.db.Close() }

// String names the catalog as errors do: database and namespace.
func (c *SQLCatalog) String() string {
	return fmt.Sprintf("catalog %s namespace %s", c.where, c.namespace)
}

func (c *SQLCatalog) errorf(what string, err error) error {
	return fmt.Errorf("%s: %s: %s", c, what, redact(err.Error(), "", c.password))
}

// redact removes a URI and a password from a message that a driver may
// have built from them.
func redact(msg, uri, password string) string {
	if uri != "" {
		msg = strings.ReplaceAll(msg, uri, "(uri)")
	}
	if password != "" {
		msg = strings.ReplaceAll(msg, password, "***")
	}
	return msg
}

// Locations returns the metadata location the catalog holds for each of
// the namespace's tables that has one.
func (c *SQLCatalog) Locations(ctx context.Context) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(ctx, catalogTimeout)
	defer cancel()
	q := `SELECT table_name, metadata_location FROM iceberg_tables
		WHERE catalog_name = $1 AND table_namespace = $2 AND metadata_location IS NOT NULL`
	if c.typed {
		q += ` AND (iceberg_type = 'TABLE' OR iceberg_type IS NULL)`
	}
	rows, err := c.db.QueryContext(ctx, q, c.name, c.namespace)
	if err != nil {
		return nil, c.errorf("cannot read the tables", err)
	}
	defer rows.Close()
	locs := map[string]string{}
	for rows.Next() {
		var name, loc string
		if err := rows.Scan(&name, &loc); err != nil {
			return nil, c.errorf("cannot read the tables", err)
		}
		locs[name] = loc
	}
	if err := rows.Err(); err != nil {
		return nil, c.errorf("cannot read the tables", err)
	}
	return locs, nil
}

// catalogChange moves one table's catalog entry from From to To; From ""
// registers a table the catalog does not have yet, From == To checks (and
// locks) an entry the commit leaves as it is.
type catalogChange struct {
	Table, From, To string
}

// errCommitInDoubt wraps an error of the transaction's COMMIT itself: the
// database may or may not have committed, so the run must leave everything
// for the next run's recovery, which asks the catalog.
var errCommitInDoubt = errors.New("the catalog commit may or may not have happened")

// commit applies every change in one database transaction, each a
// compare-and-swap on the entry's current metadata location: all tables
// move together or none does. A change whose entry is not what From says
// fails the whole transaction with ErrCatalogConflict.
func (c *SQLCatalog) commit(ctx context.Context, changes []catalogChange) error {
	ctx, cancel := context.WithTimeout(ctx, catalogTimeout)
	defer cancel()
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return c.errorf("cannot begin the commit", err)
	}
	defer tx.Rollback()
	typeCond, typeSet, typeCol, typeVal := "", "", "", ""
	if c.typed {
		typeCond = ` AND (iceberg_type = 'TABLE' OR iceberg_type IS NULL)`
		typeSet = `, iceberg_type = 'TABLE'`
		typeCol, typeVal = `, iceberg_type`, `, 'TABLE'`
	}
	for _, ch := range changes {
		var res sql.Result
		if ch.From == "" {
			res, err = tx.ExecContext(ctx, `INSERT INTO iceberg_tables
				(catalog_name, table_namespace, table_name, metadata_location, previous_metadata_location`+typeCol+`)
				VALUES ($1, $2, $3, $4, NULL`+typeVal+`) ON CONFLICT DO NOTHING`,
				c.name, c.namespace, ch.Table, ch.To)
		} else {
			prev := ch.From
			if ch.From == ch.To {
				// Leave previous_metadata_location as it is.
				res, err = tx.ExecContext(ctx, `UPDATE iceberg_tables SET metadata_location = metadata_location
					WHERE catalog_name = $1 AND table_namespace = $2 AND table_name = $3 AND metadata_location = $4`+typeCond,
					c.name, c.namespace, ch.Table, ch.From)
			} else {
				res, err = tx.ExecContext(ctx, `UPDATE iceberg_tables SET metadata_location = $5, previous_metadata_location = $4`+typeSet+`
					WHERE catalog_name = $1 AND table_namespace = $2 AND table_name = $3 AND metadata_location = $4`+typeCond,
					c.name, c.namespace, ch.Table, prev, ch.To)
			}
		}
		if err != nil {
			return c.errorf("cannot commit table "+ch.Table, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return c.errorf("cannot commit table "+ch.Table, err)
		}
		if n != 1 {
			want := "no entry"
			if ch.From != "" {
				want = ch.From
			}
			return fmt.Errorf("%s: table %s.%s: %w (this dataset expected %s); nothing was committed",
				c, c.namespace, ch.Table, ErrCatalogConflict, want)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%w: %w", errCommitInDoubt, c.errorf("cannot commit", err))
	}
	return nil
}

// metadataLocation is what the catalog holds for a table whose metadata
// the manifest names by ref: the metadata file under the dataset's
// location, where the engines reading the catalog find it (the bucket, for
// a dataset in object storage), as the table's own metadata names its
// files.
func metadataLocation(loc locator, ref *IcebergRef) string {
	return loc.url(ref.Metadata)
}

// pendingManifestName is, during a commit through a catalog, the manifest
// that the catalog commit makes current: it is on disk before the catalog
// commit, so a run killed right after it can be finished by the next one.
const pendingManifestName = "_manifest.pending.json"

// TestHookAfterCatalog, for tests only, runs in Commit right after the
// catalog commit (the commit point with a catalog), before the manifest
// names the new versions. Returning true stops Commit as if the process had
// died.
var TestHookAfterCatalog func() (crash bool)

// resolveCatalog finishes or rolls back a commit through the catalog that
// a killed run left in doubt, and refuses a catalog that names metadata
// this dataset did not commit. Without a catalog, a commit left in doubt
// stops Open: only the catalog can say whether it happened.
func (ds *Dataset) resolveCatalog() error {
	pendingPath := filepath.Join(ds.dir, pendingManifestName)
	pending, err := readManifestFile(pendingPath)
	if errors.Is(err, fs.ErrNotExist) {
		pending, err = nil, nil
	}
	if err != nil {
		return fmt.Errorf("a commit through the SQL catalog was interrupted and its manifest cannot be read: %w", err)
	}
	if ds.cat == nil {
		if pending != nil {
			return fmt.Errorf("a commit through the SQL catalog was interrupted (%s is there): run again with the catalog configured; only the catalog can say whether that commit happened", pendingManifestName)
		}
		if ref := ds.manifest.catalogRef(); ref != nil {
			return fmt.Errorf("the tables are committed in the SQL catalog %s, namespace %s: give the catalog (catalog: in the sync configuration, or --catalog-uri), or the catalog and the folder would disagree", ref.Name, ref.Namespace)
		}
		return nil
	}
	if ref := ds.manifest.catalogRef(); ref != nil && (ref.Name != ds.cat.name || ref.Namespace != ds.cat.namespace) {
		return fmt.Errorf("the tables are committed in the SQL catalog %s, namespace %s, not in %s, namespace %s: give the catalog they are in", ref.Name, ref.Namespace, ds.cat.name, ds.cat.namespace)
	}
	locs, err := ds.cat.Locations(context.Background())
	if err != nil {
		return err
	}
	if pending != nil {
		switch {
		case catalogNamesAll(ds.loc, locs, pending):
			// The catalog committed: the pending manifest is the dataset.
			if err := os.Rename(pendingPath, filepath.Join(ds.dir, ManifestName)); err != nil {
				return fmt.Errorf("finish the commit the catalog holds: %w", err)
			}
			if err := syncDir(ds.dir); err != nil {
				return fmt.Errorf("finish the commit the catalog holds: %w", err)
			}
			ds.manifest = pending
		case ds.catalogConflict(locs, ds.manifest) == nil:
			// The catalog did not commit: roll back.
			if err := os.Remove(pendingPath); err != nil {
				return fmt.Errorf("roll back the commit the catalog does not hold: %w", err)
			}
		default:
			return ds.catalogConflict(locs, ds.manifest)
		}
	}
	if err := ds.catalogConflict(locs, ds.manifest); err != nil {
		return err
	}
	ds.catLocs = locs
	return nil
}

// catalogNamesAll tells whether the catalog holds, for every table of m,
// the metadata m names.
func catalogNamesAll(loc locator, locs map[string]string, m *Manifest) bool {
	for _, td := range tableDefs {
		ref := m.Tables[td.name].Iceberg
		if ref == nil || locs[td.name] != metadataLocation(loc, ref) {
			return false
		}
	}
	return true
}

// catalogConflict says which table the catalog holds other metadata for
// than the manifest m names. A table the catalog does not have yet is no
// conflict: the next commit registers it.
func (ds *Dataset) catalogConflict(locs map[string]string, m *Manifest) error {
	for _, td := range tableDefs {
		loc, ok := locs[td.name]
		if !ok {
			continue
		}
		want := "nothing (the dataset has no commit of it)"
		if m != nil {
			if ref := m.Tables[td.name].Iceberg; ref != nil {
				if metadataLocation(ds.loc, ref) == loc {
					continue
				}
				want = metadataLocation(ds.loc, ref)
			}
		}
		return fmt.Errorf("%s: table %s.%s: %w: the catalog names %s, this dataset's manifest names %s; nothing was changed",
			ds.cat, ds.cat.namespace, td.name, ErrCatalogConflict, loc, want)
	}
	return nil
}

// commitThroughCatalog is Commit's commit point with a catalog: the new
// manifest is written aside, then every table's entry moves to its new
// metadata in one catalog transaction, then the manifest takes its place.
// committed tells whether the catalog transaction committed; an error
// wrapping errCommitInDoubt means that nobody knows until the next Open asks
// the catalog.
func (tx *Tx) commitThroughCatalog(tables map[string]TableFiles, data []byte) (committed bool, err error) {
	ds := tx.ds
	pendingPath := filepath.Join(ds.dir, pendingManifestName)
	if _, err := writeFileAtomic(pendingPath, data, manifestPermission); err != nil {
		_ = os.Remove(pendingPath)
		return false, err
	}
	if ds.mirror != nil {
		// The catalog must never name an object the bucket lacks.
		if err := ds.mirror.pushAdded(context.Background()); err != nil {
			_ = os.Remove(pendingPath)
			return false, err
		}
	}
	var changes []catalogChange
	locs := map[string]string{}
	for _, td := range tableDefs {
		ref := tables[td.name].Iceberg
		if ref == nil {
			continue
		}
		to := metadataLocation(ds.loc, ref)
		changes = append(changes, catalogChange{Table: td.name, From: ds.catLocs[td.name], To: to})
		locs[td.name] = to
	}
	if err := ds.cat.commit(context.Background(), changes); err != nil {
		if !errors.Is(err, errCommitInDoubt) {
			_ = os.Remove(pendingPath)
		}
		return false, err
	}
	ds.catLocs = locs
	if TestHookAfterCatalog != nil && TestHookAfterCatalog() {
		return true, errSimulatedCrash
	}
	if err := os.Rename(pendingPath, filepath.Join(ds.dir, ManifestName)); err != nil {
		return true, fmt.Errorf("committed in the catalog, but the manifest was not replaced (the next run does it): %w", err)
	}
	if err := syncDir(ds.dir); err != nil {
		return true, fmt.Errorf("committed in the catalog, but the manifest may not be on disk (the next run checks): %w", err)
	}
	return true, nil
}

var catalogIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// Check says what is wrong with a catalog configuration without connecting:
// the URI's shape (never quoting it, it holds the password), the catalog
// name and the namespace.
func (c CatalogConfig) Check() error {
	var errs []error
	u, err := url.Parse(c.URI)
	switch {
	case c.URI == "":
		errs = append(errs, errors.New("uri is empty (postgres://USER:PASSWORD@HOST:PORT/DATABASE)"))
	case err != nil:
		errs = append(errs, errors.New("uri is not a URI (postgres://USER:PASSWORD@HOST:PORT/DATABASE)"))
	case u.Scheme != "postgres" && u.Scheme != "postgresql":
		errs = append(errs, fmt.Errorf("uri: scheme %q: only PostgreSQL (postgres://…) is supported", u.Scheme))
	case u.Host == "" || strings.Trim(u.Path, "/") == "":
		errs = append(errs, errors.New("uri names no host or no database (postgres://USER:PASSWORD@HOST:PORT/DATABASE)"))
	default:
		if _, err := pgx.ParseConfig(c.URI); err != nil {
			errs = append(errs, errors.New("uri is not a PostgreSQL connection URI (postgres://USER:PASSWORD@HOST:PORT/DATABASE)"))
		}
	}
	if c.Name != "" && !catalogIdent.MatchString(c.Name) {
		errs = append(errs, fmt.Errorf("name %q: letters, digits and _ only, not starting with a digit", c.Name))
	}
	if c.Namespace == "" {
		errs = append(errs, errors.New("namespace is empty"))
	} else if !catalogIdent.MatchString(c.Namespace) {
		errs = append(errs, fmt.Errorf("namespace %q: letters, digits and _ only, not starting with a digit", c.Namespace))
	}
	return errors.Join(errs...)
}

func (m *Manifest) catalogRef() *CatalogRef {
	if m == nil {
		return nil
	}
	return m.Catalog
}
