package importer

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/apiclient"
	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/internal/parquettest"
	"github.com/orderhist/orderhist/normalize"
)

var pullBase = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fakeAPI is an order API as a puller sees it: orders by update time. Its
// puller yields the orders updated in [Since, Until) oldest first, marks a
// checkpoint every markEvery orders, and can fail or be cut off midway.
type fakeAPI struct {
	orders    map[string]normalize.Order
	markEvery int
	// failAfter ends the pull with a network error after that many
	// orders (-1: before the first); stopAfter > 0 cancels the run's context there, as a kill
	// or Ctrl-C would.
	failAfter, stopAfter int
	cancel               func()
	pulled               int
}

func newFakeAPI(n int) *fakeAPI {
	f := &fakeAPI{orders: map[string]normalize.Order{}, markEvery: 10}
	for i := range n {
		f.put(i, pullBase.Add(time.Duration(i)*time.Minute), "paid")
	}
	return f
}

func (f *fakeAPI) put(i int, updated time.Time, status string) {
	id := fmt.Sprintf("ORD-%05d", i)
	f.orders[id] = normalize.Order{
		Source: "fakeapi", Account: "main", OrderID: id, StatusRaw: status, Status: normalize.Status(status),
		OrderedAt: pullBase.Add(time.Duration(i%90) * 24 * time.Hour), UpdatedAt: updated, Currency: "BRL", OrderTotal: normalize.Cents(1000 + int64(i)),
		Buyer: normalize.Buyer{Name: fmt.Sprintf("Cliente %d", i%37), Email: fmt.Sprintf("c%d@example.com", i%37)},
		Lines: []normalize.Line{{LineNo: 1, SKU: "SKU-1", Title: "Camiseta", Quantity: 1, UnitPrice: normalize.Cents(1000 + int64(i))}},
	}
}

func (f *fakeAPI) Info() connectors.Info { return connectors.Info{Name: "fakeapi"} }

func (f *fakeAPI) Pull(ctx context.Context, src connectors.APISource) iter.Seq2[connectors.Record, error] {
	return func(yield func(connectors.Record, error) bool) {
		var list []normalize.Order
		for _, o := range f.orders {
			if !o.UpdatedAt.Before(src.Since) && o.UpdatedAt.Before(src.Until) {
				list = append(list, o)
			}
		}
		slicesSortByUpdate(list)
		for i := range list {
			if err := ctx.Err(); err != nil {
				yield(connectors.Record{}, err)
				return
			}
			f.pulled++
			if f.failAfter != 0 && f.pulled > f.failAfter {
				yield(connectors.Record{}, &apiclient.Error{Kind: apiclient.KindNetwork, Message: "GET /orders: connection reset"})
				return
			}
			if f.stopAfter > 0 && f.pulled > f.stopAfter {
				f.cancel()
				continue
			}
			o := list[i]
			if !yield(connectors.Record{Order: &o, Rows: 1}, nil) {
				return
			}
			if (i+1)%f.markEvery == 0 {
				mark := src.Until
				if i+1 < len(list) {
					mark = list[i+1].UpdatedAt
				}
				if !yield(connectors.Record{Checkpoint: mark}, nil) {
					return
				}
			}
		}
		if ctx.Err() == nil {
			yield(connectors.Record{Checkpoint: src.Until}, nil)
		}
	}
}

func slicesSortByUpdate(list []normalize.Order) {
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && list[j].UpdatedAt.Before(list[j-1].UpdatedAt); j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
}

// pullOnce pulls the fake into dir from since, as a sync would: cursors
// saved by the checkpoint hook are returned in order.
func pullOnce(t *testing.T, ctx context.Context, dir string, api *fakeAPI, since, until time.Time, o Options) (in *Input, marks []time.Time, st *Stats, err error) {
	t.Helper()
	o.Now = func() time.Time { return fixedNow }
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	api.cancel, api.pulled = cancel, 0
	r, err := Open(ctx, dir, o)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.AfterCheckpoint(func(in *Input) error {
		// The hook runs once the data is committed: every order updated
		// before the mark must be in the dataset already.
		if missing := missingBefore(t, dir, api, since, in.Checkpoint); missing != "" {
			t.Errorf("checkpoint %s saved before %s was committed", in.Checkpoint.Format(time.RFC3339), missing)
		}
		marks = append(marks, in.Checkpoint)
		return nil
	})
	in, err = r.Pull(api, connectors.APISource{Name: "shop", Since: since, Until: until})
	if err != nil {
		return in, marks, nil, err
	}
	st, err = r.Commit("sync test")
	return in, marks, st, err
}

// datasetOrders are the dataset's orders by id, failing on a duplicate.
func datasetOrders(t *testing.T, dir string) map[string]map[string]any {
	t.Helper()
	got := map[string]map[string]any{}
	if _, err := dataset.ReadManifest(dir); err != nil {
		return got
	}
	for _, rec := range parquettest.ReadGlob(t, filepath.Join(dir, "orders", "*", "*.parquet")).Records {
		id := rec["order_id"].(string)
		if got[id] != nil {
			t.Fatalf("order %s is in the dataset twice", id)
		}
		got[id] = rec
	}
	return got
}

// missingBefore names an order of the API updated in [since, mark) that
// the dataset lacks, or is "".
func missingBefore(t *testing.T, dir string, api *fakeAPI, since, mark time.Time) string {
	have := datasetOrders(t, dir)
	for id, o := range api.orders {
		if !o.UpdatedAt.Before(since) && o.UpdatedAt.Before(mark) && have[id] == nil {
			return id
		}
	}
	return ""
}

func TestPullCommitsAtCheckpoints(t *testing.T) {
	dir := t.TempDir()
	api := newFakeAPI(300)
	until := pullBase.Add(600 * time.Minute)
	in, marks, st, err := pullOnce(t, t.Context(), dir, api, pullBase, until, Options{CheckpointOrders: 95, CheckpointEvery: -1})
	if err != nil || in.Failed() {
		t.Fatalf("pull: %v %v", err, in.Err)
	}
	// A commit at the first mark once 95 orders came in: 100, 200, and
	// the end.
	if len(marks) != 3 || !marks[0].Equal(pullBase.Add(100*time.Minute)) {
		t.Errorf("checkpoints at %v", marks)
	}
	if !in.Checkpoint.Equal(until) {
		t.Errorf("last mark %v, want %v", in.Checkpoint, until)
	}
	if st.Orders != 300 || st.NewOrders != 300 || in.NewOrders != 300 || in.Orders != 300 || st.RejectedRows != 0 {
		t.Errorf("stats %+v, input %d orders %d new", *st, in.Orders, in.NewOrders)
	}
	if got := datasetOrders(t, dir); len(got) != 300 {
		t.Errorf("%d orders in the dataset, want 300", len(got))
	}
	if m, _ := dataset.ReadManifest(dir); m.Tables["orders"].Rows != 300 {
		t.Errorf("manifest lists %d orders", m.Tables["orders"].Rows)
	}
}

func TestPullCheckpointsByTime(t *testing.T) {
	dir := t.TempDir()
	api := newFakeAPI(30)
	// Every mark comes late: each commits.
	_, marks, _, err := pullOnce(t, t.Context(), dir, api, pullBase, pullBase.Add(30*time.Minute), Options{CheckpointOrders: -1, CheckpointEvery: time.Nanosecond})
	if err != nil || len(marks) != 3 {
		t.Fatalf("%v, %d checkpoints, want 3", err, len(marks))
	}
	_, marks, _, _ = pullOnce(t, t.Context(), t.TempDir(), api, pullBase, pullBase.Add(30*time.Minute), Options{CheckpointOrders: -1, CheckpointEvery: -1})
	if len(marks) != 0 {
		t.Fatalf("checkpoints turned off, yet %d", len(marks))
	}
}

func TestFailedPullKeepsWhatItPulled(t *testing.T) {
	dir := t.TempDir()
	api := newFakeAPI(1000)
	api.failAfter = 355
	in, marks, st, err := pullOnce(t, t.Context(), dir, api, pullBase, pullBase.Add(2000*time.Minute), Options{CheckpointOrders: 100, CheckpointEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	if !in.Failed() || !strings.HasPrefix(in.Err.Error(), "network error: ") {
		t.Fatalf("the pull did not fail with its class: %v", in.Err)
	}
	// Commits at 110, 220, 330; the failure commits the rest and saves
	// the last mark, 350.
	want := pullBase.Add(350 * time.Minute)
	if len(marks) != 4 || !marks[3].Equal(want) || !in.Checkpoint.Equal(want) {
		t.Fatalf("checkpoints %v, last %v, want the last at %v", marks, in.Checkpoint, want)
	}
	if got := datasetOrders(t, dir); len(got) != 355 {
		t.Fatalf("%d orders kept, want the 355 pulled", len(got))
	}
	if st == nil || st.Orders != 355 || st.NewOrders != 355 {
		t.Fatalf("stats of the committed part: %+v", st)
	}
	// The next run resumes from the mark minus a look-back and completes.
	api.failAfter = 0
	in, _, st, err = pullOnce(t, t.Context(), dir, api, want.Add(-30*time.Minute), pullBase.Add(2000*time.Minute), Options{CheckpointOrders: 100, CheckpointEvery: -1})
	if err != nil || in.Failed() {
		t.Fatalf("resumed pull: %v %v", err, in.Err)
	}
	if got := datasetOrders(t, dir); len(got) != 1000 || st.Orders != 1000 || st.NewOrders != 645 {
		t.Fatalf("after resuming: %d orders, stats %+v", len(got), *st)
	}
}

func TestPullFailingAtOnceCommitsNothing(t *testing.T) {
	dir := t.TempDir()
	api := newFakeAPI(10)
	api.failAfter = -1
	in, marks, st, err := pullOnce(t, t.Context(), dir, api, pullBase, pullBase.Add(time.Hour), Options{})
	if err == nil || st != nil || !in.Failed() || len(marks) != 0 || !in.Checkpoint.IsZero() {
		t.Fatalf("%v %v %v %v", err, in.Err, marks, st)
	}
	if _, err := dataset.ReadManifest(dir); err == nil {
		t.Fatal("a pull that read nothing committed")
	}
}

// TestKilledPullsResume cuts pulls off at random records, as a kill would
// (the run's context is cancelled and nothing after the last checkpoint is
// committed), changes some orders between runs, and resumes each time from
// the last saved checkpoint minus the look-back. Whatever a checkpoint
// committed survives the kill, and the completing run leaves every order
// once, in its latest state.
func TestKilledPullsResume(t *testing.T) {
	const n, lookback = 400, 15 * time.Minute
	for seed := range uint64(2) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 17))
			dir := t.TempDir()
			api := newFakeAPI(n)
			until := pullBase.Add(3 * n * time.Minute)
			var cursor time.Time
			o := Options{CheckpointOrders: 40 + rng.IntN(60), CheckpointEvery: -1}
			for run := range 3 {
				since := pullBase
				if !cursor.IsZero() {
					since = cursor.Add(-lookback)
				}
				api.stopAfter = 1 + rng.IntN(n/2)
				in, marks, _, err := pullOnce(t, t.Context(), dir, api, since, until, o)
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("run %d: not cut off: %v", run, err)
				}
				if len(marks) > 0 {
					cursor = marks[len(marks)-1]
				}
				if m := missingBefore(t, dir, api, pullBase, cursor); m != "" {
					t.Fatalf("run %d, cut off after %d orders: %s, before the checkpoint, was lost", run, api.stopAfter, m)
				}
				_ = in
				// Between runs some orders change: they move to the end.
				for range 5 {
					i := rng.IntN(n)
					api.put(i, api.orders[fmt.Sprintf("ORD-%05d", i)].UpdatedAt.Add(time.Duration(n)*time.Minute), "cancelled")
				}
			}
			api.stopAfter = 0
			since := pullBase
			if !cursor.IsZero() {
				since = cursor.Add(-lookback)
			}
			in, _, _, err := pullOnce(t, t.Context(), dir, api, since, until, o)
			if err != nil || in.Failed() {
				t.Fatalf("completing run: %v %v", err, in.Err)
			}
			got := datasetOrders(t, dir)
			if len(got) != n {
				t.Fatalf("%d orders after the completing run, want %d", len(got), n)
			}
			for id, o := range api.orders {
				if got[id]["status_raw"] != o.StatusRaw {
					t.Errorf("order %s: status %v, want %s", id, got[id]["status_raw"], o.StatusRaw)
				}
			}
		})
	}
}
