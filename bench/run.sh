#!/usr/bin/env bash
# End-to-end benchmark of `orderhist import`. Generates inputs with tools/gen
# into a cache folder (kept between runs), imports each RUNS times, and
# prints wall time (median), throughput, peak RSS and output size, beside
# DuckDB's CSV→Parquet conversion of the same Amazon file and excelize's bare
# iteration of the same XLSX.
#
#   BENCH_CACHE   cache folder (default ~/.cache/orderhist-bench)
#   BENCH_RUNS    runs per input (default 3)
#   BENCH_10M=1   also the 10M-line mixed input and 1,000 new Amazon lines
#                 into a 10M-line Amazon dataset (slow: tens of minutes, GBs
#                 of disk)
#   BENCH_ONLY    space-separated subset of: amazon-1m amazon-1m-s3
#                 amazon-1m+2k mixed-1m ml-200k bomb mixed-10m amazon-10m+1k
#
# amazon-1m-s3 is amazon-1m's import into a bucket of versitygw, a real S3
# server over a local folder (skipped when versitygw is not installed), from
# an empty bucket and an empty working copy each run, against the local
# import's wall time (target ≤ 1.3×).
#
# amazon-1m+2k is a nightly run: 2,000 new Amazon lines of the last half
# month imported into the dataset amazon-1m's import made, against that
# import's wall time (target ≤ 0.10×, ≤ 300 MiB); amazon-10m+1k (with
# BENCH_10M=1) 1,000 such lines into a 10M-line Amazon dataset (≤ 5 s,
# ≤ 500 MiB). Each nightly result is then compared with one import of both
# folders into an empty dataset (untimed, bench/samedata): every table's
# rows, the grouping of orders into customers, and the customer ids where
# no merge names them. A difference ends the benchmark with exit status 1.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=${BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/orderhist-bench}
RUNS=${BENCH_RUNS:-3}
mkdir -p "$CACHE/bin"
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench: /usr/bin/time is needed (apt-get install time)" >&2; exit 1; }

echo "== build" >&2
go build -o "$CACHE/bin/gen" ./tools/gen
go build -trimpath -o "$CACHE/bin/orderhist" .
go build -o "$CACHE/bin/xlsxiter" ./bench/xlsxiter
go build -o "$CACHE/bin/bomb" ./bench/bomb
go build -o "$CACHE/bin/samedata" ./bench/samedata
# One as-of date for every import, so customers' segments compare even
# when the benchmark runs across midnight.
AS_OF=$(date -u +%F)

# gen NAME LINES LAYOUTS: generate once into $CACHE/NAME.
gen() {
	local name=$1 lines=$2 layouts=$3
	if [ ! -f "$CACHE/$name/.complete" ]; then
		echo "== generate $name ($lines lines, $layouts)" >&2
		rm -rf "$CACHE/$name"
		"$CACHE/bin/gen" -seed 1 -people 20000 -lines "$lines" -layouts "$layouts" -out "$CACHE/$name" >&2
		# Keep the ground truth apart, so the folder holds only exports.
		mv "$CACHE/$name/truth.csv" "$CACHE/$name.truth.csv"
		touch "$CACHE/$name/.complete"
	fi
}
ALL_LAYOUTS=$("$CACHE/bin/gen" -h 2>&1 | sed -n 's/.*(default "\(amazon,[^"]*\)").*/\1/p' | head -1 || true)

# median of numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# measure LABEL CMD...: RUNS timed runs; sets WALL (median s) and RSS (max KiB).
measure() {
	local label=$1; shift
	local walls=() rss=0 i out
	for ((i = 1; i <= RUNS; i++)); do
		rm -rf "$CACHE/out"
		out=$("$TIME" -f '%e %M' "$@" 2>&1 >/dev/null | tail -1) || true
		local w=${out% *} m=${out#* }
		echo "   $label run $i: ${w}s, $((m / 1024)) MiB" >&2
		walls+=("$w")
		((m > rss)) && rss=$m
	done
	WALL=$(printf '%s\n' "${walls[@]}" | median)
	RSS=$rss
}

ROWS=()
# row INPUT LINES BYTES WALL RSS OUTBYTES REF
row() {
	ROWS+=("$(awk -v inp="$1" -v l="$2" -v b="$3" -v w="$4" -v r="$5" -v o="$6" -v ref="$7" 'BEGIN {
		printf "| %-22s | %9s | %7.2f | %9.0f | %6.1f | %6.0f | %8s | %s |", inp, l, w, l/w, b/1e6/w, r/1024, (o == "" ? "-" : sprintf("%.1f MB", o/1e6)), ref }')")
}

import_input() {
	local name=$1 lines=$2 ref=${3:-}
	local dir="$CACHE/$name" bytes
	bytes=$(find "$dir" -type f \( -name '*.tsv' -o -name '*.csv' -o -name '*.xlsx' \) -printf '%s\n' | awk '{s+=$1} END {print s}')
	echo "== orderhist import $name" >&2
	measure "$name" "$CACHE/bin/orderhist" import -q --out "$CACHE/out" "$dir"
	local osize
	osize=$(du -sb "$CACHE/out" | cut -f1)
	local ratio=""
	[ -n "$ref" ] && ratio=$(awk -v a="$WALL" -v b="$ref" 'BEGIN {printf "%.2f×", a/b}')
	row "$name" "$lines" "$bytes" "$WALL" "$RSS" "$osize" "$ratio"
	LAST_WALL=$WALL
}

want() { [ -z "${BENCH_ONLY:-}" ] || [[ " $BENCH_ONLY " == *" $1 "* ]]; }

# import_into LABEL NAME LINES BASE REF: RUNS timed imports of input NAME
# into a fresh copy of the dataset BASE (the copy is not timed).
import_into() {
	local label=$1 name=$2 lines=$3 base=$4 ref=${5:-}
	local dir="$CACHE/$name" bytes walls=() rss=0 i out
	bytes=$(find "$dir" -type f -name '*.tsv' -printf '%s\n' | awk '{s+=$1} END {print s}')
	echo "== orderhist import $name into $(basename "$base")" >&2
	for ((i = 1; i <= RUNS; i++)); do
		rm -rf "$CACHE/out"
		cp -r "$base" "$CACHE/out"
		# CPU time beside wall time: on a shared machine it is the figure
		# that compares from run to run.
		out=$("$TIME" -f '%e %M %U %S' "$CACHE/bin/orderhist" import -q --as-of "$AS_OF" --out "$CACHE/out" "$dir" 2>&1 >/dev/null | tail -1) || true
		local w m u s
		read -r w m u s <<<"$out"
		echo "   $name run $i: ${w}s, $((m / 1024)) MiB, $(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}')s CPU (user+sys)" >&2
		walls+=("$w")
		((m > rss)) && rss=$m
	done
	WALL=$(printf '%s\n' "${walls[@]}" | median)
	local ratio=""
	[ -n "$ref" ] && ratio=$(awk -v a="$WALL" -v b="$ref" 'BEGIN {printf "%.2f×", a/b}')
	row "$label" "$lines" "$bytes" "$WALL" "$rss" "$(du -sb "$CACHE/out" | cut -f1)" "$ratio"
}

DUCK=""
if want amazon-1m; then
	gen amazon-1m 1000000 amazon
	AMZ=$(ls "$CACHE"/amazon-1m/*.tsv)
	AMZ_BYTES=$(stat -c %s "$AMZ")
	echo "== DuckDB" >&2
	if command -v npm >/dev/null && command -v node >/dev/null &&
		{ [ -d "$CACHE/duckdb/node_modules/@duckdb/node-api" ] || npm install --silent --prefix "$CACHE/duckdb" @duckdb/node-api >&2; }; then
		cp bench/duckdb.mjs "$CACHE/duckdb/duckdb.mjs"
		measure duckdb node "$CACHE/duckdb/duckdb.mjs" "$AMZ" "$CACHE/out.parquet"
		DUCK=$WALL
		row "duckdb amazon-1m" 1000000 "$AMZ_BYTES" "$WALL" "$RSS" "$(stat -c %s "$CACHE/out.parquet")" "1.00× (reference)"
		rm -f "$CACHE/out.parquet"
	else
		echo "bench: npm or the @duckdb/node-api install is unavailable; skipping the DuckDB column" >&2
	fi
	import_input amazon-1m 1000000 "$DUCK"
	[ -n "$DUCK" ] && ROWS[-1]+=" target ≤ 0.75×, ≤ 300 MiB"
	AMZ1M=$LAST_WALL
fi
if want amazon-1m-s3; then
	gen amazon-1m 1000000 amazon
	VGW=$(command -v versitygw || echo "$(go env GOPATH)/bin/versitygw")
	if [ -x "$VGW" ]; then
		S3ROOT="$CACHE/s3root"
		rm -rf "$S3ROOT" "$CACHE/s3work"
		mkdir -p "$S3ROOT/bench"
		PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		ROOT_ACCESS_KEY=bench ROOT_SECRET_KEY=bench-secret-key-0123456789 "$VGW" --port "127.0.0.1:$PORT" --quiet posix "$S3ROOT" >&2 &
		VGW_PID=$!
		trap 'kill $VGW_PID 2>/dev/null || true' EXIT
		for _ in $(seq 50); do (echo >"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
		echo "== orderhist import amazon-1m into s3://bench (versitygw)" >&2
		walls=() rss=0
		for ((i = 1; i <= RUNS; i++)); do
			rm -rf "$S3ROOT/bench" "$CACHE/s3work"
			mkdir -p "$S3ROOT/bench"
			out=$(AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret-key-0123456789 AWS_REGION=us-east-1 \
				AWS_ENDPOINT_URL_S3="http://127.0.0.1:$PORT" XDG_CACHE_HOME="$CACHE/s3work" \
				"$TIME" -f '%e %M' "$CACHE/bin/orderhist" import -q --out s3://bench/amazon-1m "$CACHE/amazon-1m" 2>&1 >/dev/null | tail -1) || true
			w=${out% *} m=${out#* }
			echo "   amazon-1m-s3 run $i: ${w}s, $((m / 1024)) MiB" >&2
			walls+=("$w")
			((m > rss)) && rss=$m
		done
		WALL=$(printf '%s\n' "${walls[@]}" | median)
		ratio=""
		[ -n "${AMZ1M:-}" ] && ratio=$(awk -v a="$WALL" -v b="$AMZ1M" 'BEGIN {printf "%.2f×", a/b}')
		row amazon-1m-s3 1000000 "$(find "$CACHE/amazon-1m" -name '*.tsv' -printf '%s\n' | awk '{s+=$1} END {print s}')" "$WALL" "$rss" "$(du -sb "$S3ROOT/bench" | cut -f1)" "$ratio"
		[ -n "${AMZ1M:-}" ] && ROWS[-1]+=" (to amazon-1m) target ≤ 1.3×"
		kill $VGW_PID 2>/dev/null || true
		wait $VGW_PID 2>/dev/null || true
		trap - EXIT
		rm -rf "$S3ROOT" "$CACHE/s3work"
	else
		echo "bench: versitygw is not installed (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0); skipping amazon-1m-s3" >&2
	fi
fi
# newer NAME LINES SEED: generate once NAME, LINES Amazon lines of the last
# half month, of the same 20,000 people.
newer() {
	local name=$1 lines=$2 seed=$3
	if [ ! -f "$CACHE/$name/.complete" ]; then
		echo "== generate $name ($lines lines, the last half month)" >&2
		rm -rf "$CACHE/$name"
		"$CACHE/bin/gen" -seed "$seed" -people 20000 -lines "$lines" -layouts amazon -from 2026-10-16 -to 2026-10-31 -out "$CACHE/$name" >&2
		rm "$CACHE/$name/truth.csv"
		touch "$CACHE/$name/.complete"
	fi
}

# nightly LABEL BASE NEW LINES: RUNS timed imports of input NEW into the
# dataset $CACHE/out holds (BASE's import, made by the caller), then one
# import of BASE and NEW into an empty dataset (untimed) compared with the
# last nightly result; a difference ends the benchmark.
nightly() {
	local label=$1 base=$2 new=$3 lines=$4
	rm -rf "$CACHE/base"
	mv "$CACHE/out" "$CACHE/base"
	import_into "$label" "$new" "$lines" "$CACHE/base" "${REF:-}"
	rm -rf "$CACHE/base"
	echo "== incremental equals full: one import of $base and $new (untimed), compared" >&2
	rm -rf "$CACHE/full"
	"$CACHE/bin/orderhist" import -q --as-of "$AS_OF" --out "$CACHE/full" "$CACHE/$base" "$CACHE/$new" >/dev/null
	if ! "$TIME" -f '   (compared in %U s user, %S s sys, %M KiB)' "$CACHE/bin/samedata" "$CACHE/out" "$CACHE/full" >"$CACHE/samedata.txt" 2>"$CACHE/samedata.time"; then
		cat "$CACHE/samedata.txt" "$CACHE/samedata.time" >&2
		echo "bench: FAILED: the nightly run's dataset differs from one import of the same files (above)" >&2
		rm -rf "$CACHE/full" "$CACHE/out"
		exit 1
	fi
	sed 's/^/   /' "$CACHE/samedata.txt" >&2
	tail -1 "$CACHE/samedata.time" >&2
	rm -rf "$CACHE/full"
}

# base_import NAME: the untimed import of NAME into $CACHE/out.
base_import() {
	echo "== orderhist import $1 (the base dataset, untimed)" >&2
	rm -rf "$CACHE/out"
	"$CACHE/bin/orderhist" import -q --out "$CACHE/out" "$CACHE/$1" >/dev/null
}

if want amazon-1m+2k; then
	gen amazon-1m 1000000 amazon
	newer amazon-2k 2000 2
	[ -n "${AMZ1M:-}" ] || base_import amazon-1m
	REF=${AMZ1M:-} nightly amazon-1m+2k amazon-1m amazon-2k 2000
	[ -n "${AMZ1M:-}" ] && ROWS[-1]+=" (to amazon-1m)"
	ROWS[-1]+=" target ≤ 0.10×, ≤ 300 MiB; equals one import of both folders"
fi
if [ "${BENCH_10M:-}" = 1 ] && want amazon-10m+1k; then
	gen amazon-10m 10000000 amazon
	newer amazon-1k 1000 3
	base_import amazon-10m
	nightly amazon-10m+1k amazon-10m amazon-1k 1000
	ROWS[-1]+=" target ≤ 5 s, ≤ 500 MiB; equals one import of both folders"
fi
if want mixed-1m; then
	gen mixed-1m 1000000 "$ALL_LAYOUTS"
	import_input mixed-1m 1000000
	ROWS[-1]+=" target ≤ 6 s, ≤ 400 MiB"
	MIXED1=$LAST_WALL
fi
if want ml-200k; then
	gen ml-200k 200000 mercadolivre
	XLSX=$(ls "$CACHE"/ml-200k/*.xlsx)
	echo "== excelize iteration" >&2
	measure excelize "$CACHE/bin/xlsxiter" "$XLSX"
	XL=$WALL
	row "excelize iterate ml-200k" 200000 "$(stat -c %s "$XLSX")" "$WALL" "$RSS" "" "1.00× (reference)"
	import_input ml-200k 200000 "$XL"
	ROWS[-1]+=" (to excelize) target ≤ 1.5×"
fi
if want bomb; then
	# A 2 MB workbook of 300 million empty shared strings, refused by the
	# reader's limits, beside the bundled Shopee export it imitates: the
	# peak RSS of the two should be alike.
	mkdir -p "$CACHE/bomb" "$CACHE/shopee"
	[ -f "$CACHE/bomb/Order.all.20260201_20260228.xlsx" ] || "$CACHE/bin/bomb" -n 300000000 "$CACHE/bomb/Order.all.20260201_20260228.xlsx"
	cp testdata/exports/Order.all.20240101_20261031.xlsx "$CACHE/shopee/"
	import_input shopee -
	ROWS[-1]+=" the bundled Shopee export"
	import_input bomb -
	ROWS[-1]+=" refused by its limits; target RSS ≤ 1 GiB"
fi
if [ "${BENCH_10M:-}" = 1 ] && want mixed-10m; then
	gen mixed-10m 10000000 "$ALL_LAYOUTS"
	import_input mixed-10m 10000000 "${MIXED1:-}"
	ROWS[-1]+=" (to mixed-1m) target ≤ 11×, ≤ 1.5 GiB"
fi
rm -rf "$CACHE/out"

echo
echo "orderhist $(git describe --always --dirty 2>/dev/null || echo dev), $(nproc) cores, $RUNS runs each (wall: median; RSS: max)"
echo "| input                  |     lines |  wall s |   lines/s |   MB/s | RSS MiB |   output | ratio |"
echo "|------------------------|-----------|---------|-----------|--------|---------|----------|-------|"
printf '%s\n' "${ROWS[@]}"
