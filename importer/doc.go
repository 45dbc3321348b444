// Package importer runs one import: it reads export files and API pulls,
// merges every sighting of each order with the dataset's copy, resolves
// customers across channels, and writes the new dataset in one
// transaction.
//
//	run, err := importer.Open(ctx, dir, importer.Options{...})
//	defer run.Close()
//	inputs, err := run.ReadFiles(files)   // and/or run.Pull(puller, source)
//	stats, err := run.Commit("import ...")
//
// Open takes the dataset's lock and opens a dataset.Session: the
// transaction and a scratch folder (DIR/.spool-*). Close rolls back what
// Commit did not commit and removes the scratch folder; a killed run's
// scratch folder is removed by the next run.
//
// # Passes
//
//  1. Read (ReadFiles, Pull). Each input is routed to its connector and
//     hashed, and its records are spooled by month into in#####-MONTH.spool,
//     its rejects into in#####-rejects.spool. Files are read side by side,
//     one per core; each file's connector runs on a goroutine of its own, a
//     few hundred records ahead of the spooling (readAhead). An input that
//     fails leaves no spool behind and is reported in its Input; the others
//     go on.
//  2. Merge (Commit). Only the months the inputs reach are merged: the
//     dataset's orders and lines of those months are read back into
//     prev-MONTH.spool (dataset.OrderFromRow, one month of lines in memory at
//     a time). The dataset's other months hold nothing an input could meet;
//     their orders go straight to the resolver, in parts of a few thousand,
//     with no spool (direct.go), so scratch disk holds the inputs and the
//     months they reach. They are read from the resolver state, each
//     month's orders as the resolver reads them, where it describes the
//     month's committed files, and from the month's Parquet files otherwise
//     (state.go, dataset/resolverstate.go). Month by month, a busy
//     month an input reaches is first split by a hash of the
//     order key into part-MONTH-NNN.spool files of about Options.PartBytes
//     each; each part is loaded, its sightings sorted by key, and each
//     order's sightings merged (normalize.Merge, ties broken by rank: see
//     rank). Three goroutines form a pipeline: one loads and merges the next
//     part, the caller's goroutine tells the resolver of each merged order in
//     key order (so customer ids never depend on timing), and one spools the
//     merged orders into merged-MONTH.spool. Every spool is removed once it
//     was read for the last time.
//  3. Resolve. dedupe resolves customers over every order, seeded with the
//     dataset's identities and merges so customers keep their ids. Every
//     order, not only the new ones: the owner-count guards, the scored name
//     and address model and the customers' RFM quintiles are statistics of
//     all of them, and a guard that starts blocking an identifier undoes
//     links of old orders. The resolver state keeps the inputs of those
//     statistics rather than their results, so a run over it resolves
//     exactly as a run over the tables; what it saves is decoding them.
//  4. Write. Customers, identities and merges are written first, on two
//     goroutines, so the resolver's memory can go before orders are written.
//     A month the run did not touch, whose orders all kept their customers,
//     keeps its files byte for byte; the others are rewritten two at a time,
//     each with a goroutine decoding merged-MONTH.spool (or, for a month no
//     input reached, reading the dataset's files of it again) and one
//     encoding each table. Rejects of this run, and earlier runs' rejects of files not read
//     again, go last. Each month written gets its resolver state from the
//     rows written; a month kept keeps its state. The run's state index is
//     written, then the manifest is committed.
//
// # Checkpoints
//
// A run usually commits once. A long API pull commits as it goes
// (checkpoint.go): at the first checkpoint mark its puller yields once
// Options.CheckpointOrders orders or Options.CheckpointEvery of time have
// passed since the run last committed, the pull's spools are closed and
// everything the run has read so far goes through passes 2 to 4 as a
// transaction of its own (dataset.Session.Next begins the next one, under
// a new run id); AfterCheckpoint's hook then saves the cursor, and the
// pull goes on into fresh spools. A pull that fails commits what it read.
// Inputs and Committed cover every commit of the run.
//
// While a run is open a goroutine keeps the soft memory limit ahead of the
// live heap (governMemory). Options.PII applies --pii to what is written:
// matching happens on the clear values in memory, so a hashed or dropped
// dataset resolves customers as a clear one does.
//
// Every scratch spool is encrypted (AES-256-CTR, a key drawn per process
// and held in memory only, a random IV per file; spoolcrypt.go), so no
// clear personal value reaches the disk under --pii hash or drop, nor
// outlives a killed run in a readable form.
//
// The scratch spools use a codec of their own (spool.go) rather than gob or
// a serialization library: the format lives for one run only, and the
// hand-written codec costs a third of gob's CPU and no reflection (see
// docs/performance.md).
package importer
