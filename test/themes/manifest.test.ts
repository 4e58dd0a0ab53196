// theme.json is checked at start: a missing or wrong field, or a theme API this Carnet does not render, stops
// the server with one line naming the file and the field.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildTestApp, useTempDir } from '../helpers/app.ts'
import { createTestDatabase } from '../helpers/database.ts'
import { startServer } from '../helpers/server-process.ts'
import { MANIFEST, writeTheme } from './helpers.ts'

describe('theme.json', () => {
  const tmp = useTempDir('theme-manifest')

  const refusals: Array<[string, object | string | null, RegExp]> = [
    ['no theme.json', null, /THEME_DIR .*\/theme has no theme\.json/],
    ['not JSON', '{ name: "essai" }', /\/theme\/theme\.json is not valid JSON/],
    ['no name', { version: '1.0.0', carnet: 1 }, /\/theme\/theme\.json: "name" is missing/],
    ['a name unfit for an address', { ...MANIFEST, name: 'Mon Thème' }, /\/theme\/theme\.json: "name" must be 1 to 40 lowercase letters/],
    ['a bad version', { ...MANIFEST, version: 'un' }, /\/theme\/theme\.json: "version" must be a version number such as 1\.0\.0/],
    ['no API version', { name: 'essai', version: '1.0.0' }, /\/theme\/theme\.json: "carnet" is missing/],
    ['an API version as text', { ...MANIFEST, carnet: 'un' }, /\/theme\/theme\.json: "carnet" must be the number of the Carnet theme API/],
    ['an array', '[]', /\/theme\/theme\.json: the file must be a JSON object with name, version and carnet/],
  ]

  it.each(refusals)('%s: start refused, naming the file and the field', async (_name, manifest, message) => {
    const theme = writeTheme(tmp.path, {}, manifest)
    await expect(buildTestApp({ env: { THEME_DIR: theme } })).rejects.toThrow(message)
  })

  it('a theme API this Carnet does not render: start refused, saying which it renders', async () => {
    const theme = writeTheme(tmp.path, {}, { ...MANIFEST, carnet: 2 })
    await expect(buildTestApp({ env: { THEME_DIR: theme } })).rejects.toThrow(
      /theme\.json: the theme "essai" is written for Carnet theme API 2; this Carnet renders theme API 1 only/,
    )
  })

  it('a THEME_DIR that is not a folder: start refused', async () => {
    await expect(buildTestApp({ env: { THEME_DIR: join(tmp.path, 'nowhere') } })).rejects.toThrow(/THEME_DIR .*nowhere is not a folder/)
  })

  it('the server prints the reason in one line and exits', async () => {
    const theme = writeTheme(tmp.path, {}, { ...MANIFEST, carnet: 7 })
    const database = await createTestDatabase(tmp.path)
    try {
      const error = await startServer({ ...database.env, DATABASE_URL: database.url, THEME_DIR: theme, DEMO_CONTENT: 'false' }).then(
        () => null,
        (err: Error) => err,
      )
      expect(error?.message).toMatch(
        /Carnet could not start: .*\/theme\/theme\.json: the theme "essai" is written for Carnet theme API 7; this Carnet renders theme API 1 only/,
      )
    } finally {
      await database.drop()
    }
  })
})
