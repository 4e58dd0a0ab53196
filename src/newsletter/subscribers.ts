// The admin's side of the blog's subscribers: counts, the list, removal, CSV export and import. An import comes
// from another platform (Ghost, Substack, a spreadsheet) whose readers confirmed there: the admin says so, the
// audit log keeps it, and they are subscribed without a confirmation mail.
import type { Kysely } from 'kysely'
import type { BlogCadence, Database } from '../db/schema.ts'
import { existing } from '../db/in-list.ts'
import { isAddress, readableAddress } from '../lib/address.ts'
import { normalizeAddress } from '../mail/outbox.ts'
import { parseCsv } from './csv.ts'
import { NAME_MAX } from './newsletter.ts'

export type SubscriberState = 'active' | 'pending' | 'unsubscribed' | 'bounced'

export interface SubscriberRow {
  id: number
  email: string
  name: string
  cadence: BlogCadence
  state: SubscriberState
  source: 'form' | 'import'
  createdAt: string
}

function stateOf(r: { status: string; bounced_at: string | null }): SubscriberState {
  if (r.status === 'unsubscribed') return 'unsubscribed'
  if (r.bounced_at) return 'bounced'
  return r.status === 'active' ? 'active' : 'pending'
}

export async function countSubscribers(db: Kysely<Database>): Promise<Record<SubscriberState, number>> {
  const rows = await db
    .selectFrom('blog_subscriptions')
    .select(['status', (eb) => eb.fn.count<number>('bounced_at').as('bounced'), (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute()
  const counts = { active: 0, pending: 0, unsubscribed: 0, bounced: 0 }
  for (const r of rows) {
    const n = Number(r.n)
    const bounced = r.status === 'unsubscribed' ? 0 : Number(r.bounced)
    counts.bounced += bounced
    if (r.status === 'unsubscribed') counts.unsubscribed += n
    else if (r.status === 'active') counts.active += n - bounced
    else counts.pending += n - bounced
  }
  return counts
}

/** Newest first; `limit` rows (the export reads them all). */
export async function listSubscribers(db: Kysely<Database>, limit?: number, offset = 0): Promise<SubscriberRow[]> {
  let q = db
    .selectFrom('blog_subscriptions as b')
    .innerJoin('mail_addresses as a', 'a.id', 'b.address_id')
    .select(['b.id', 'a.email', 'b.name', 'b.cadence', 'b.status', 'b.bounced_at', 'b.source', 'b.created_at'])
    .orderBy('b.id', 'desc')
  if (limit !== undefined) q = q.limit(limit).offset(offset)
  const rows = await q.execute()
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    name: r.name,
    cadence: r.cadence,
    state: stateOf(r),
    source: r.source,
    createdAt: r.created_at,
  }))
}

/** Removes a subscription (the address stays, with what else it follows); its mails still queued are cancelled. */
export async function removeSubscriber(db: Kysely<Database>, id: number): Promise<string | null> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('blog_subscriptions as b')
      .innerJoin('mail_addresses as a', 'a.id', 'b.address_id')
      .select(['a.email'])
      .where('b.id', '=', id)
      .executeTakeFirst()
    if (!row) return null
    await trx.deleteFrom('blog_subscriptions').where('id', '=', id).execute()
    await trx
      .updateTable('mail_outbox')
      .set({ status: 'cancelled' })
      .where('recipient', '=', row.email)
      .where('status', '=', 'queued')
      .where('kind', 'in', ['newsletter', 'digest'])
      .execute()
    return row.email
  })
}

export type ImportProblem =
  | { kind: 'invalid'; line: number; value: string }
  | { kind: 'duplicate'; line: number; value: string }
  | { kind: 'existing'; line: number; value: string }
  | { kind: 'notSubscribed'; line: number; value: string }

export interface ImportPlan {
  /** Addresses to subscribe, stored form, with a name. */
  add: Array<{ email: string; name: string }>
  problems: ImportProblem[]
  /** No email column, no address: nothing to import. */
  empty: boolean
}

const EMAIL_HEADERS = new Set(['email', 'e-mail', 'email address', 'email_address', 'adresse e-mail', 'courriel', 'mail'])
const NAME_HEADERS = new Set(['name', 'nom', 'full name', 'full_name'])
const truthy = (v: string) => /^(true|1|yes|oui)$/i.test(v.trim())
const falsy = (v: string) => /^(false|0|no|non)$/i.test(v.trim())

/**
 * Reads an export: a header row when one names an email column (Ghost: `email`, `name`, `subscribed_to_emails`;
 * Substack: `email`, `email_disabled`; others: `status`), else columns email[,name]. Lines whose platform says the
 * reader no longer takes mails, invalid addresses, duplicates and addresses already subscribed are reported.
 */
export async function planImport(db: Kysely<Database>, text: string): Promise<ImportPlan> {
  const rows = parseCsv(text)
  if (rows.length === 0) return { add: [], problems: [], empty: true }
  const header = rows[0]!.cells.map((c) => c.trim().toLowerCase())
  const hasHeader = header.some((h) => EMAIL_HEADERS.has(h))
  const col = (names: Set<string> | string) => header.findIndex((h) => (typeof names === 'string' ? h === names : names.has(h)))
  const emailAt = hasHeader ? col(EMAIL_HEADERS) : 0
  const nameAt = hasHeader ? col(NAME_HEADERS) : 1
  const subscribedAt = hasHeader ? col('subscribed_to_emails') : -1
  const disabledAt = hasHeader ? col('email_disabled') : -1
  const statusAt = hasHeader ? col('status') : -1
  const data = hasHeader ? rows.slice(1) : rows

  const problems: ImportProblem[] = []
  const seen = new Set<string>()
  const candidates: Array<{ line: number; email: string; name: string }> = []
  for (const row of data) {
    const raw = (row.cells[emailAt] ?? '').trim()
    if (raw === '') continue
    const typed = raw.normalize('NFC')
    if (!isAddress(typed)) {
      problems.push({ kind: 'invalid', line: row.line, value: raw.slice(0, 200) })
      continue
    }
    const email = normalizeAddress(readableAddress(typed))
    const cell = (i: number) => (i >= 0 ? (row.cells[i] ?? '') : '')
    const status = cell(statusAt).trim().toLowerCase()
    if (falsy(cell(subscribedAt)) || truthy(cell(disabledAt)) || ['unsubscribed', 'bounced', 'cleaned', 'inactive'].includes(status)) {
      problems.push({ kind: 'notSubscribed', line: row.line, value: email })
      continue
    }
    if (seen.has(email)) {
      problems.push({ kind: 'duplicate', line: row.line, value: email })
      continue
    }
    seen.add(email)
    const name = [...cell(nameAt).normalize('NFC').replace(/\s+/g, ' ').trim()].slice(0, NAME_MAX).join('')
    candidates.push({ line: row.line, email, name })
  }
  const subscribed = await existing(
    candidates.map((c) => c.email),
    async (emails) =>
      (
        await db
          .selectFrom('blog_subscriptions as b')
          .innerJoin('mail_addresses as a', 'a.id', 'b.address_id')
          .select('a.email')
          .where('a.email', 'in', emails)
          .where('b.status', '=', 'active')
          .execute()
      ).map((f) => f.email),
  )
  const add: ImportPlan['add'] = []
  for (const c of candidates) {
    if (subscribed.has(c.email)) problems.push({ kind: 'existing', line: c.line, value: c.email })
    else add.push({ email: c.email, name: c.name })
  }
  problems.sort((a, b) => a.line - b.line)
  return { add, problems, empty: candidates.length === 0 && problems.length === 0 }
}

/** Subscribes the plan's addresses, confirmed now (the admin stated they confirmed elsewhere), in one transaction. */
export async function runImport(db: Kysely<Database>, plan: ImportPlan, cadence: BlogCadence, now: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    let n = 0
    for (const s of plan.add) {
      await trx
        .insertInto('mail_addresses')
        .values({ email: s.email, created_at: now, confirmed_at: now })
        .onConflict((oc) => oc.column('email').doNothing())
        .execute()
      const address = await trx.selectFrom('mail_addresses').select('id').where('email', '=', s.email).executeTakeFirstOrThrow()
      const values = { name: s.name, cadence, status: 'active' as const, source: 'import' as const, confirmed_at: now }
      await trx
        .insertInto('blog_subscriptions')
        .values({ ...values, address_id: address.id, created_at: now })
        .onConflict((oc) => oc.column('address_id').doUpdateSet({ ...values, unsubscribed_at: null, bounced_at: null }))
        .execute()
      n++
    }
    return n
  })
}
