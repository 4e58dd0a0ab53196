// The caches are shared machinery: they know no feature. Features tell them what they need (a route's
// CACHEABLE option, a private cookie, a timed change); a cache file importing a feature would be knowledge
// flowing the wrong way.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src')
const CACHE = join(SRC, 'cache')
const ALLOWED = ['cache', 'lib', 'db']

function specifiers(source: string): string[] {
  const found: string[] = []
  for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g)) found.push(m[1]!)
  for (const m of source.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) found.push(m[1]!)
  for (const m of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]!)
  return found
}

describe('src/cache imports', () => {
  const files = readdirSync(CACHE).filter((f) => f.endsWith('.ts'))

  it('finds the cache files and their imports', () => {
    expect(files).toContain('page-cache.ts')
    expect(specifiers(readFileSync(join(CACHE, 'page-cache.ts'), 'utf8'))).toContain('./policy.ts')
  })

  it.each(files)('%s imports only src/cache, src/lib, src/db and packages', (file) => {
    const outside = specifiers(readFileSync(join(CACHE, file), 'utf8'))
      .filter((spec) => spec.startsWith('.') || spec.startsWith('/'))
      .map((spec) => relative(SRC, resolve(CACHE, spec)))
      .filter((path) => !ALLOWED.includes(path.split(/[\\/]/)[0]!))
    expect(outside).toEqual([])
  })
})
