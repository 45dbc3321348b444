// Module hooks: icebird's Avro reader gets inflate.mjs for
// hyparquet-compressors; everything else resolves as usual.
export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'hyparquet-compressors' && context.parentURL?.includes('/icebird/src/avro/')) {
    return { url: new URL('./inflate.mjs', import.meta.url).href, shortCircuit: true }
  }
  return nextResolve(specifier, context)
}
