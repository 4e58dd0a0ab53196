// What both importers (WXR and Disqus) share: their options, the record of what was taken in (import_origins),
// and WordPress's date formats. Both go in short transactions: import-runs.ts.
import type { Transaction } from 'kysely'
import type { Database } from '../db/schema.ts'
import { nowIso, zonedTimeToUtc } from '../lib/time.ts'

type Trx = Transaction<Database>

export interface ImportOptions {
  dryRun?: boolean
  /** The blog's zone, for local dates without a GMT one. */
  timeZone: string
  /** Shown for a comment without an author's name. */
  anonymous: string
  onProgress?: (progress: ImportProgress) => void
}

export interface ImportProgress {
  bytes: number
  posts: number
  comments: number
}

/** `2010-10-16 20:53:18` in UTC → ISO; undefined for WordPress's zero date or nothing. */
export function gmtDate(value: string): string | undefined {
  if (value === '' || value.startsWith('0000')) return undefined
  const d = new Date(`${value.replace(' ', 'T')}${value.length === 16 ? ':00' : ''}Z`)
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString()
}

/** `2010-10-16 22:53:18` on the blog's wall clock → ISO in UTC. */
export function localDate(value: string, timeZone: string): string | undefined {
  if (value === '' || value.startsWith('0000')) return undefined
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value)
  if (!m) return undefined
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number]
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return undefined
  return new Date(zonedTimeToUtc(y, mo, d, h, mi, timeZone).getTime() + s * 1000).toISOString()
}

export function rfc822(value: string): string | undefined {
  if (!value.trim()) return undefined
  const d = new Date(value)
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString()
}

export async function remembered(trx: Trx, kind: string, externalId: string): Promise<number | undefined> {
  const row = await trx
    .selectFrom('import_origins')
    .select('local_id')
    .where('kind', '=', kind)
    .where('external_id', '=', externalId)
    .executeTakeFirst()
  return row?.local_id
}

/** Remembers where a thing came from; `runId` when this import run created it (undone with the run). */
export async function remember(trx: Trx, kind: string, externalId: string, localId: number, runId: number | null = null): Promise<void> {
  await trx
    .insertInto('import_origins')
    .values({ kind, external_id: externalId, local_id: localId, imported_at: nowIso(), run_id: runId || null })
    .onConflict((oc) => oc.columns(['kind', 'external_id']).doNothing())
    .execute()
}
