// Fedify's key-value store on Carnet's own table (fedi_kv), on SQLite and PostgreSQL alike: every instance shares
// what Fedify keeps there (the blog's keys, remote documents and keys it cached, idempotence marks), and it
// survives restarts. A key is Fedify's array of strings, stored as its JSON text; a prefix of keys is a prefix
// of that text without its closing bracket.
import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from '@fedify/fedify'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'

/** How often expired rows are deleted (at most; only when something is written). */
const PRUNE_EVERY_MS = 10 * 60_000

export class DatabaseKvStore implements KvStore {
  #lastPrune = 0
  constructor(private readonly db: Kysely<Database>) {}

  async get<T = unknown>(key: KvKey): Promise<T | undefined> {
    const row = await this.db
      .selectFrom('fedi_kv')
      .select(['value', 'expires_at'])
      .where('key', '=', JSON.stringify(key))
      .executeTakeFirst()
    if (!row || (row.expires_at !== null && row.expires_at <= new Date().toISOString())) return undefined
    return JSON.parse(row.value) as T
  }

  async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
    const now = Date.now()
    const ttl = options?.ttl ? options.ttl.total({ unit: 'milliseconds' }) : null
    const row = {
      key: JSON.stringify(key),
      value: JSON.stringify(value),
      expires_at: ttl === null ? null : new Date(now + ttl).toISOString(),
    }
    await this.db
      .insertInto('fedi_kv')
      .values(row)
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: row.value, expires_at: row.expires_at }))
      .execute()
    if (now - this.#lastPrune > PRUNE_EVERY_MS) {
      this.#lastPrune = now
      await this.db.deleteFrom('fedi_kv').where('expires_at', '<=', new Date(now).toISOString()).execute()
    }
  }

  async delete(key: KvKey): Promise<void> {
    await this.db.deleteFrom('fedi_kv').where('key', '=', JSON.stringify(key)).execute()
  }

  async *list(prefix?: KvKey): AsyncIterable<KvStoreListEntry> {
    const now = new Date().toISOString()
    let query = this.db
      .selectFrom('fedi_kv')
      .select(['key', 'value'])
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    if (prefix) {
      const exact = JSON.stringify(prefix)
      const under = `${exact.slice(0, -1)},`
      query = query.where((eb) =>
        eb.or([eb('key', '=', exact), eb(eb.fn('substr', [eb.ref('key'), eb.lit(1), eb.lit(under.length)]), '=', under)]),
      )
    }
    for (const row of await query.orderBy('key').execute()) {
      yield { key: JSON.parse(row.key) as KvKey, value: JSON.parse(row.value) as unknown }
    }
  }
}
