// Reads an Iceberg table of an orderhist dataset with icebird, an Iceberg
// reader written independently of the writer (iceberg-go), and prints what
// it read as JSON: the schema, and the rows of the current snapshot or of
// the snapshot given (time travel).
//
//   node read.mjs TABLE_DIR [SNAPSHOT_ID]
//
// The table's metadata names its files by absolute path; icebird reads
// through fetch, so fetch is given the local file system for such paths.
import { register } from 'node:module'
import { readFile, stat } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

register('./hooks.mjs', import.meta.url)

const netFetch = globalThis.fetch
globalThis.fetch = async (url, init = {}) => {
  const u = String(url)
  if (!u.startsWith('/') && !u.startsWith('file:')) return netFetch(url, init)
  const path = u.startsWith('file:') ? fileURLToPath(u) : u
  let data
  try {
    if (init.method === 'HEAD') {
      const st = await stat(path)
      return new Response(null, { status: 200, headers: { 'Content-Length': String(st.size) } })
    }
    data = await readFile(path)
  } catch {
    return new Response('not found', { status: 404, statusText: 'Not Found' })
  }
  const range = new Headers(init.headers).get('Range')
  const m = range && /^bytes=(\d+)-(\d*)$/.exec(range)
  if (m) {
    const end = m[2] === '' ? data.length : Number(m[2]) + 1
    return new Response(data.subarray(Number(m[1]), end), { status: 206 })
  }
  return new Response(data, { status: 200 })
}

const { icebergMetadata, icebergRead } = await import('icebird')

const [tableDir, snapshotId] = process.argv.slice(2)
if (!tableDir) {
  console.error('usage: node read.mjs TABLE_DIR [SNAPSHOT_ID]')
  process.exit(2)
}
const metadata = await icebergMetadata({ tableUrl: tableDir })
if (snapshotId) {
  // icebird parses the metadata with res.json(), so 64-bit snapshot ids
  // are JavaScript numbers, rounded; the id given is rounded the same way.
  const snap = metadata.snapshots.find(s => s['snapshot-id'] === Number(snapshotId))
  if (!snap) {
    console.error(`no snapshot ${snapshotId} in ${tableDir}`)
    process.exit(1)
  }
  metadata['current-snapshot-id'] = snap['snapshot-id']
}
const rows = await icebergRead({ tableUrl: tableDir, metadata })
const schema = metadata.schemas.find(s => s['schema-id'] === metadata['current-schema-id'])
const out = {
  format_version: metadata['format-version'],
  fields: schema.fields.map(f => ({ name: f.name, type: f.type, required: f.required })),
  rows,
}
process.stdout.write(JSON.stringify(out, (_, v) => {
  if (typeof v === 'bigint') return v.toString()
  if (v instanceof Date) return v.toISOString()
  return v
}))
