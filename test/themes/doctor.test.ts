// `npm run cli -- doctor` checks THEME_DIR as the server reads it at start: theme.json, and files not used.
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../../src/lib/root.ts'
import { runDoctor } from '../../src/ops/doctor.ts'
import { useTempDir } from '../helpers/app.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts'
import { MANIFEST, writeTheme } from './helpers.ts'

describe('doctor and THEME_DIR', () => {
  const tmp = useTempDir('theme-doctor')
  let database: TestDatabase
  beforeEach(async () => {
    database = await createTestDatabase(tmp.path)
  })
  afterEach(() => database.drop())

  const themeLine = async (themeDir?: string) => {
    const env = { ...database.env, DATABASE_URL: database.url, MEDIA_DIR: join(tmp.path, 'media'), THEME_DIR: themeDir }
    return (await runDoctor(env)).find((r) => r.name === 'theme')
  }

  it('the classic theme: ok, with what it replaces', async () => {
    const line = await themeLine(join(PROJECT_ROOT, 'themes', 'classic'))
    expect(line?.ok).toBe(true)
    expect(line?.detail).toMatch(/^classic 1\.0\.0 replaces .*posts\/meta\.eta/)
  })

  it('a theme.json that stops the server, or files that are not used: FAIL with the reason', async () => {
    const bad = await themeLine(writeTheme(tmp.path, {}, { ...MANIFEST, carnet: 3 }))
    expect(bad).toEqual({
      name: 'theme',
      ok: false,
      detail: expect.stringMatching(/theme\.json: the theme "essai" is written for Carnet theme API 3/),
    })
    const unused = await themeLine(writeTheme(join(tmp.path, 'other'), { 'views/partials/footr.eta': 'x' }))
    expect(unused?.ok).toBe(false)
    expect(unused?.detail).toContain('views/partials/footr.eta matches no template')
  })

  it('no THEME_DIR: no theme line', async () => {
    expect(await themeLine()).toBeUndefined()
  })
})
