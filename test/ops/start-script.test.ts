// `npm start` gives node the environment and arguments that bound the server's memory (docs/install.md): glibc's
// arenas (MALLOC_ARENA_MAX, read once when the process starts) and V8's young generation (2 MB semi-spaces: ~10 MB
// less at rest than 8, bench/RESULTS.md 2026-12-07). Run as npm runs it (`sh -c`), with a probe in place of the
// server that makes young garbage and reports how big V8 let the young generation grow.
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../../src/lib/root.ts'
import { useTempDir } from '../helpers/app.ts'

const PROBE = `
import { getHeapSpaceStatistics } from 'node:v8'
const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size
// Objects that live a little while (each of 20,000 slots replaced after 20,000 more), as a server's requests make
// them. A ring, not push and shift: shift moves the whole array, which took this probe 43 s on a slow machine.
const window = new Array(20_000).fill(null)
let largest = 0
for (let i = 0; i < 2_000_000; i++) {
  window[i % 20_000] = { i, text: 'x' + i }
  if (i % 10_000 === 0) largest = Math.max(largest, newSpace())
}
console.log(JSON.stringify({ arenas: process.env.MALLOC_ARENA_MAX ?? null, youngMb: largest / 1048576 }))
`

describe('npm start', () => {
  const tmp = useTempDir('start-script')

  it("starts node with glibc's arenas at 2 and a young generation of 4 MB (at most 8 for a moment)", () => {
    const start = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start
    expect(start).toMatch(/ build\/src\/server\.js$/)
    const probe = join(tmp.path, 'probe.mjs')
    writeFileSync(probe, PROBE)
    // node as the test runs it (Node 24: .ci/node.sh), first on the PATH the script's shell searches.
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(process.execPath, '..')}:${process.env.PATH}` }
    delete env.MALLOC_ARENA_MAX
    const run = spawnSync('sh', ['-c', start.replace(/build\/src\/server\.js$/, JSON.stringify(probe))], {
      cwd: PROJECT_ROOT,
      env,
      encoding: 'utf8',
    })
    expect(run.stderr).toBe('')
    const seen = JSON.parse(run.stdout) as { arenas: string | null; youngMb: number }
    expect(seen.arenas).toBe('2')
    // Two semi-spaces of 2 MB: 4 MB, and up to 6 for a moment (pages a scavenge keeps where they are). With 8 MB ones
    // it grew to 16 MB, with V8's default to 32–64.
    expect(seen.youngMb).toBeLessThanOrEqual(8)
  })
})
