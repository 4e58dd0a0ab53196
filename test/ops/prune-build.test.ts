// `npm run build` first removes compiled files whose source is gone (src/ops/prune-build.ts): a migration deleted
// or renamed in the sources must not stay in build/, where `npm start` would run it.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { pruneBuild } from '../../src/ops/prune-build.ts'
import { useTempDir } from '../helpers/app.ts'

describe('the build, pruned of what has no source', () => {
  const tmp = useTempDir('prune-build')

  it('removes a compiled migration and module whose TypeScript is gone, and keeps the others', () => {
    const root = tmp.path
    for (const dir of ['src/ops', 'migrations', 'build/src/ops', 'build/migrations']) mkdirSync(join(root, dir), { recursive: true })
    writeFileSync(join(root, 'src/ops/kept.ts'), '')
    writeFileSync(join(root, 'migrations/2026_01_01_00_00_00_kept.ts'), '')
    for (const file of [
      'build/src/ops/kept.js',
      'build/src/ops/gone.js',
      'build/migrations/2026_01_01_00_00_00_kept.js',
      'build/migrations/2026_12_07_00_50_00_renamed.js',
      'build/.tsbuildinfo',
    ])
      writeFileSync(join(root, file), '')
    expect(pruneBuild(root).sort()).toEqual([join('build/migrations/2026_12_07_00_50_00_renamed.js'), join('build/src/ops/gone.js')])
    expect(readdirSync(join(root, 'build/src/ops'))).toEqual(['kept.js'])
    expect(readdirSync(join(root, 'build/migrations'))).toEqual(['2026_01_01_00_00_00_kept.js'])
    expect(readdirSync(join(root, 'build')).sort()).toEqual(['.tsbuildinfo', 'migrations', 'src'])
  })

  it('does nothing before the first build', () => {
    expect(pruneBuild(join(tmp.path, 'nothing-here'))).toEqual([])
  })
})
