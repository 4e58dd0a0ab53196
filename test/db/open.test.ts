// The database plugin knows only the database; settings and demo content are plugins of their own, and
// openBlog (src/blog.ts) gives the command line the same blog without the app.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { openBlog } from '../../src/blog.ts'
import database from '../../src/db/plugin.ts'
import demo from '../../src/demo/plugin.ts'
import settingsPlugin from '../../src/settings/plugin.ts'
import { PROJECT_ROOT } from '../../src/lib/root.ts'
import { useTempDir } from '../helpers/app.ts'

const initialSettings = { title: 'Test', description: '', language: 'fr' as const, timezone: 'Europe/Paris' }

describe('opening a blog', () => {
  const dir = useTempDir('open')

  it('the database plugin alone migrates and writes no settings and no posts', async () => {
    const app = Fastify({ logger: false })
    await app.register(database, { databasePath: join(dir.path, 'blog.db') })
    await app.ready()
    try {
      expect(app.hasDecorator('settings')).toBe(false)
      expect(await app.db.selectFrom('settings').select('key').execute()).toEqual([])
      expect(await app.db.selectFrom('posts').select('id').execute()).toEqual([])
      expect(app.dataVersion()).toMatch(/^\d+\.\d+$/)
    } finally {
      await app.close()
    }
  })

  it("keeps SQLite's own page cache of 2 MB, not better-sqlite3's 16 MB: memory the server holds for ever", async () => {
    const app = Fastify({ logger: false })
    await app.register(database, { databasePath: join(dir.path, 'blog.db') })
    await app.ready()
    try {
      // Negative: in KiB (positive would be pages). better-sqlite3 builds SQLite with -16000.
      expect(app.sqlite.pragma('cache_size', { simple: true })).toBe(-2000)
    } finally {
      await app.close()
    }
  })

  it('the settings and demo plugins refuse to come before the database', async () => {
    const app = Fastify({ logger: false })
    await expect(app.register(settingsPlugin, { initialSettings })).rejects.toThrow(/database/)
    const other = Fastify({ logger: false })
    await other.register(database, { databasePath: join(dir.path, 'blog.db') })
    await expect(other.register(demo, { enabled: true })).rejects.toThrow(/settings/)
    await other.close()
  })

  it('the demo plugin loads the demo content once, never twice', async () => {
    const path = join(dir.path, 'blog.db')
    const count = async () => {
      const app = Fastify({ logger: false })
      await app.register(database, { databasePath: path })
      await app.register(settingsPlugin, { initialSettings })
      await app.register(demo, { enabled: true })
      await app.ready()
      const rows = await app.db.selectFrom('posts').select('id').execute()
      await app.close()
      return rows.length
    }
    expect(await count()).toBe(13)
    expect(await count()).toBe(13)
    // openBlog is the same blog: nothing more either.
    const blog = await openBlog({ databasePath: path, initialSettings, demoContent: true })
    expect((await blog.db.selectFrom('posts').select('id').execute()).length).toBe(13)
    expect(blog.settings.get().title).toBe('Test')
    await blog.close()
  })
})

/** The src/ folders a folder's modules import from (relative imports only). */
function importedFolders(folder: string): Set<string> {
  const found = new Set<string>()
  for (const file of readdirSync(join(PROJECT_ROOT, 'src', folder))) {
    if (!file.endsWith('.ts')) continue
    const text = readFileSync(join(PROJECT_ROOT, 'src', folder, file), 'utf8')
    for (const [, path] of text.matchAll(/from '(\.[^']+)'/g)) {
      const parts = join('src', folder, path!).split('/')
      found.add(parts.length > 2 ? parts[1]! : '.')
    }
  }
  return found
}

describe('dependencies run one way', () => {
  it('src/db imports only src/db and src/lib', () => {
    expect([...importedFolders('db')].filter((f) => f !== 'db' && f !== 'lib')).toEqual([])
  })
  it('src/http does not import src/reader', () => {
    expect(importedFolders('http').has('reader')).toBe(false)
  })
})
