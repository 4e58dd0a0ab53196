import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { flatText } from '../../src/lib/flat-text.ts'

// 2,000 texts of 300 pieces each, built as a template builds a page, kept in a Map as a generation keeps its
// fragments: how much of V8's heap they hold after a full collection, kept as built or through `keep`. Run in a
// process of its own, with the collector callable, after a warm-up that gets `keep` optimized (with --no-maglev,
// by the optimizing compiler alone: reading one character flattened nothing there).
const PROBE = `
import { keptWith } from '${new URL('../../src/cache/kept-with.ts', import.meta.url).href}'
const keep: (owner: object, key: number[], compute: () => string) => string =
  process.argv.at(-1) === 'kept-with' ? keptWith() : (_owner, _key, compute) => compute()
function build(k: number) {
  let s = ''
  for (let i = 0; i < 300; i++) s += '<li>' + k + ' ' + i + '</li>'
  return s
}
const owner = {}
const texts: string[] = []
for (let i = 0; i < 20000; i++) keep({}, [i], () => build(i))
globalThis.gc(); globalThis.gc()
const before = process.memoryUsage().heapUsed
for (let j = 0; j < 2000; j++) texts.push(keep(owner, [j], () => build(j)))
globalThis.gc(); globalThis.gc()
const held = (process.memoryUsage().heapUsed - before) / 1e6
// The texts are read after the measure: an array never read again need not be kept at all.
process.stdout.write(JSON.stringify({ held, chars: texts.reduce((n, t) => n + t.length, 0) }))
`

const dir = mkdtempSync(join(tmpdir(), 'carnet-flat-'))
const probe = join(dir, 'probe.ts')
writeFileSync(probe, PROBE)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function heldMb(how: 'as built' | 'kept-with', flags: string[]): number {
  const run = spawnSync(process.execPath, ['--expose-gc', ...flags, '--import', 'tsx', probe, how], { encoding: 'utf8' })
  expect(run.stderr).toBe('')
  const { held, chars } = JSON.parse(run.stdout) as { held: number; chars: number }
  expect(chars).toBeGreaterThan(9_000_000)
  return held
}

describe('flatText', () => {
  it('answers the same text', () => {
    let s = ''
    for (let i = 0; i < 100; i++) s += `<p>é ${i} 😀</p>`
    const copy = s.split('').join('')
    expect(flatText(s)).toBe(copy)
    expect(flatText('')).toBe('')
  })

  it.each([[[]], [['--no-maglev']]])('makes the fragments keptWith keeps one piece each (node %j)', (flags) => {
    // The texts themselves: 2,000 × ~4.6 KB.
    const built = heldMb('as built', flags)
    const kept = heldMb('kept-with', flags)
    expect(built).toBeGreaterThan(30)
    expect(kept).toBeLessThan(15)
  })
})
