// Stands in for hyparquet-compressors' gunzip inside icebird's Avro reader.
// Avro's deflate codec is raw deflate (RFC 1951); icebird 0.3.1 hands it to
// a gunzip that fails on the manifests iceberg-go writes ("offset is out of
// bounds"), while node's own raw inflate reads them.
import { inflateRawSync } from 'node:zlib'

export function gunzip(data) {
  const out = inflateRawSync(data)
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}
