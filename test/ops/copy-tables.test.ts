// The copy command's table list is the schema's, on each database: a table a future migration adds and that
// nobody adds to COPIED_TABLES fails here (not in a user's copy), and the list's order respects every foreign key.
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/plugin.ts'
import { COPIED_TABLES, isDerivedTable } from '../../src/ops/copy.ts'
import { useTempDir } from '../helpers/app.ts'
import { createTestDatabase, testDialect } from '../helpers/database.ts'

describe('the tables copy knows', () => {
  const tmp = useTempDir('copy-tables')

  it('are every table of the migrated schema, in an order where a row’s references are copied before it', async () => {
    const database = await createTestDatabase(tmp.path)
    const { db } = await openDatabase(database.url, { poolSize: 1 })
    try {
      const tables = (await db.introspection.getTables()).map((t) => t.name).sort()
      const copied = COPIED_TABLES.map((c) => c.table as string)
      expect(
        tables.filter((t) => !isDerivedTable(t) && !copied.includes(t)),
        'tables neither copied nor derived',
      ).toEqual([])
      expect(
        copied.filter((t) => !tables.includes(t)),
        'copied tables the schema lacks',
      ).toEqual([])
      // What is left out on purpose, by name: a new table does not slip into "derived" by matching a pattern.
      const derived = [
        ...new Set(
          tables
            .filter((t) => isDerivedTable(t) && !/^(kysely_migration|sqlite_)/.test(t))
            .map((t) => t.replace(/^posts_fts.*/, 'posts_fts')),
        ),
      ]
      const searchIndex = testDialect() === 'postgres' ? ['posts_search', 'posts_search_text'] : ['posts_fts']
      expect(derived).toEqual([
        'category_counts',
        'mail_pace',
        'month_counts',
        ...(testDialect() === 'sqlite' ? ['post_media'] : []),
        'post_stats',
        ...searchIndex,
        'rate_limits',
        'search_queue',
        'site_state',
        'sitemap_days',
        'sitemap_moves',
      ])

      const references =
        testDialect() === 'postgres'
          ? (
              await sql<{ from: string; to: string }>`
                select conrelid::regclass::text as "from", confrelid::regclass::text as "to" from pg_constraint
                where contype = 'f' and connamespace = current_schema()::regnamespace`.execute(db)
            ).rows
          : (
              await sql<{ from: string; to: string }>`
                select m.name as "from", p."table" as "to" from sqlite_master m join pragma_foreign_key_list(m.name) p
                where m.type = 'table'`.execute(db)
            ).rows
      expect(references.length).toBeGreaterThan(5)
      for (const { from, to } of references) {
        if (isDerivedTable(from) || from === to) continue
        expect(copied.indexOf(to), `${from} references ${to}: ${to} must be copied first`).toBeLessThan(copied.indexOf(from))
        expect(copied.indexOf(to), `${from} references ${to}, which is not copied`).toBeGreaterThanOrEqual(0)
      }
    } finally {
      await db.destroy()
      await database.drop()
    }
  })
})
