// Dependencies run one way: no folder of src/ imports one that imports it back, however far round. The
// shared machinery (db, lib, cache, http) knows no feature.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = resolve(import.meta.dirname, '../src')

/** `src/reader/x.ts` → `reader`; `src/app.ts` → `app.ts`. */
function room(file: string): string {
  return relative(SRC, file).split('/')[0]!
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

/** Which rooms each room imports (relative imports only; packages do not count). */
function roomGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>()
  for (const file of sourceFiles(SRC)) {
    const from = room(file)
    const targets = graph.get(from) ?? new Set<string>()
    graph.set(from, targets)
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
      const to = room(resolve(dirname(file), spec!))
      if (to !== from) targets.add(to)
    }
  }
  return graph
}

/** A path of imports from `start` back to itself, if there is one. */
function cycleThrough(graph: Map<string, Set<string>>, start: string): string[] | null {
  const stack: string[][] = [[start]]
  const seen = new Set<string>()
  while (stack.length) {
    const path = stack.pop()!
    for (const next of graph.get(path.at(-1)!) ?? []) {
      if (next === start) return [...path, start]
      if (!seen.has(next)) {
        seen.add(next)
        stack.push([...path, next])
      }
    }
  }
  return null
}

describe('the rooms of src/', () => {
  const graph = roomGraph()

  it('import each other one way only', () => {
    const cycles = [...graph.keys()].map((r) => cycleThrough(graph, r)).filter((c) => c !== null)
    expect(cycles.map((c) => c.join(' → '))).toEqual([])
  })

  it('keep the shared machinery free of features', () => {
    const shared: Record<string, string[]> = { lib: [], db: ['lib'], cache: ['db', 'lib'], http: ['cache', 'db', 'i18n', 'lib'] }
    for (const [name, allowed] of Object.entries(shared)) {
      expect(
        [...(graph.get(name) ?? [])].filter((to) => !allowed.includes(to)),
        name,
      ).toEqual([])
    }
  })
})
