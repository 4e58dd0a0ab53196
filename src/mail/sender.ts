// Delivering the outbox. Any number of processes may run a sender on the same database: a row is sent only by
// the one whose claim (`update … where claimed_until is null or claimed_until < now`, one row affected) won,
// which works alike on SQLite and PostgreSQL without row locks. A claim lasts CLAIM_MS: a sender that dies
// mid-send leaves the row to be claimed again after that (so a crash between the SMTP server's "250 OK" and the
// row's update can send that one mail twice; nothing else can).
// Temporary failures (4xx, connection refused or lost, timeouts) are tried again after retrySeconds, doubling
// up to an hour; a 5xx answer is permanent: the row is marked failed, with the server's words, for the admin.
// The envelope is ours, not left to nodemailer: an internationalised domain goes as its ASCII form, and an
// address that needs SMTPUTF8 (a local part that is not ASCII) is sent only to a server that offers it; without
// it the mail fails for good, with a reason the admin can read (src/lib/address.ts).
// Pace: every message takes a slot of the current minute in `mail_pace` (an update that succeeds only under the
// `mailsPerMinute` setting), shared by every instance; without one the round stops until the next minute. Mails
// to one person (confirmations, notifications) go before those to every subscriber (src/newsletter/).
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { FastifyBaseLogger } from 'fastify'
import { sql, type Kysely } from 'kysely'
import nodemailer, { type Transporter } from 'nodemailer'
import SMTPConnection from 'nodemailer/lib/smtp-connection'
import type { Database, OutboxKind } from '../db/schema.ts'
import type { Language, MailConfig } from '../config.ts'
import { messages } from '../i18n/index.ts'
import { now as clockNow } from '../lib/time.ts'
import { envelopeAddress, needsSmtpUtf8, parseAddress, type Address } from '../lib/address.ts'
import { parseDomain } from '../lib/idna.ts'
import { htmlDocument, textWithFooter, type Footer } from './compose.ts'
import { unsubscribeUrl, type MailSite } from './outbox.ts'

export const CLAIM_MS = 2 * 60 * 1000
const MAX_DELAY_MS = 60 * 60 * 1000
/** Temporary failures for about two days (at most an hour apart) before the mail is given up. */
const MAX_ATTEMPTS = 60
const HOUR_MS = 60 * 60 * 1000
const BATCH = 20
/** The kinds the per-address hourly limit (config.perHour) and its digest apply to: mails about comments. */
const LIMITED: readonly OutboxKind[] = ['notify', 'admin']

type Row = Awaited<ReturnType<typeof loadRow>>

async function loadRow(db: Kysely<Database>, id: number) {
  return db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
}

export interface SenderOptions {
  db: Kysely<Database>
  config: Readonly<MailConfig>
  log: FastifyBaseLogger
  site: () => MailSite
  /** Messages a minute at most, all senders together (the mailsPerMinute setting). */
  perMinute?: () => number
  /** For tests: a transport of one's own (otherwise SMTP_URL). */
  transport?: Transporter
}

export interface Sender {
  /** Delivers everything due now; resolves when this round is over (rounds never overlap). */
  run(): Promise<void>
  close(): Promise<void>
  readonly id: string
}

/** Is this SMTP failure permanent (5xx)? Everything else (4xx, network) is worth another try. */
export function isPermanent(err: unknown): boolean {
  const code = (err as { responseCode?: unknown }).responseCode
  return typeof code === 'number' && code >= 500 && code < 600
}

/** A failure of our own making (no server was asked): permanent, with words for the admin. */
class Undeliverable extends Error {}

/**
 * Does the SMTP server offer SMTPUTF8? Its EHLO answer says so; nodemailer keeps that answer to itself, so a mail
 * that needs it first asks on a connection of its own (rare: an address whose local part is not ASCII).
 */
function offersSmtpUtf8(options: SMTPConnection.Options): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const connection = new SMTPConnection(options)
    // `on`, not `once`: a second error (the socket closing after QUIT) must not go unhandled.
    connection.on('error', (err: Error) => {
      connection.close()
      reject(err)
    })
    connection.connect((err?: Error) => {
      if (err) return reject(err)
      const ehlo = connection.lastServerResponse || ''
      connection.quit()
      resolve(/^\d{3}[ -]SMTPUTF8\b/im.test(ehlo))
    })
  })
}

/**
 * MAIL_FROM's address (out of `Name <address>` or a bare one) in the rule's forms. Its domain may be one the rule
 * for readers' addresses refuses (the default `noreply@localhost`, an IP address): then it goes as configured.
 */
function senderAddress(from: string): Address {
  const address = /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from.trim()
  const parsed = parseAddress(address)
  if (parsed) return parsed
  const at = address.lastIndexOf('@')
  const domain = parseDomain(address.slice(at + 1))
  const typed = address.slice(at + 1).toLowerCase()
  return { local: address.slice(0, at), domain: domain?.unicode ?? typed, asciiDomain: domain?.ascii ?? typed }
}

function describe(err: unknown): string {
  if (err instanceof Undeliverable) return err.message
  const e = err as { response?: unknown; message?: unknown; code?: unknown }
  const text = typeof e.response === 'string' ? e.response : String(e.message ?? err)
  return text.slice(0, 500)
}

export function createSender(opts: SenderOptions): Sender {
  const { db, config, log } = opts
  const id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  // smtp:// upgrades with STARTTLS whenever the server offers it; smtps:// is TLS from the start. A server that
  // does not answer must not hold the sender for minutes (nodemailer's defaults).
  const timeouts = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 }
  const transport = opts.transport ?? nodemailer.createTransport({ url: config.smtpUrl, ...timeouts })
  const sender = senderAddress(config.from)

  /** The envelope for one recipient, or an Undeliverable error saying why there can be none. */
  async function envelope(recipient: string, lang: Language) {
    const t = messages(lang).mail
    const to = parseAddress(recipient)
    if (!to) throw new Undeliverable(t.errBadRecipient)
    const utf8 = (needsSmtpUtf8(to) || needsSmtpUtf8(sender)) && (await offersSmtpUtf8(smtpOptions()))
    const forSmtp = (a: Address) => envelopeAddress(a, utf8)
    if (!forSmtp(to)) throw new Undeliverable(t.errNeedsSmtpUtf8)
    if (!forSmtp(sender)) throw new Undeliverable(t.errSenderNeedsSmtpUtf8)
    return { from: forSmtp(sender)!, to: [forSmtp(to)!] }
  }

  /** The SMTP server's connection settings, as the transport read them from SMTP_URL. */
  function smtpOptions(): SMTPConnection.Options {
    const own = (transport.transporter as { options?: SMTPConnection.Options }).options
    return { ...timeouts, ...own }
  }

  async function claim(rowId: number, now: Date): Promise<boolean> {
    const result = await db
      .updateTable('mail_outbox')
      .set({ claimed_by: id, claimed_until: new Date(now.getTime() + CLAIM_MS).toISOString() })
      .where('id', '=', rowId)
      .where('status', '=', 'queued')
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now.toISOString())]))
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  async function release(
    rowIds: number[],
    set: Partial<{ next_attempt_at: string; attempts: number; last_error: string | null; status: 'failed' }>,
  ) {
    await db
      .updateTable('mail_outbox')
      .set({ ...set, claimed_by: null, claimed_until: null })
      .where('id', 'in', rowIds)
      .where('claimed_by', '=', id)
      .execute()
  }

  /** Mails (digests count once) this address got within the hour, and when the oldest of them went. */
  async function sentWithinHour(recipient: string, now: Date) {
    const since = new Date(now.getTime() - HOUR_MS).toISOString()
    const rows = await db
      .selectFrom('mail_outbox')
      .select(['sent_message_id', 'sent_at'])
      .where('recipient', '=', recipient)
      .where('status', '=', 'sent')
      .where('kind', 'in', LIMITED)
      .where('sent_at', '>', since)
      .orderBy('sent_at')
      .execute()
    const ids = new Set(rows.map((r) => r.sent_message_id))
    return { count: ids.size, oldest: rows[0]?.sent_at ?? null }
  }

  function footer(row: Row, token: string | null): Footer {
    const t = messages(row.lang as Language).mail
    const blog = opts.site().blogTitle
    const url = token ? unsubscribeUrl(opts.site(), token) : null
    // A blog subscription's confirmation (src/newsletter/) is about the blog too.
    const subscriber = row.kind === 'newsletter' || row.kind === 'digest' || row.dedupe_key?.startsWith('blog-confirm:') === true
    return {
      why:
        row.kind === 'admin'
          ? t.footerAdmin(blog)
          : subscriber
            ? messages(row.lang as Language).newsletter.footer(blog)
            : t.footerWhy(blog),
      unsubscribeLabel: t.unsubscribe,
      unsubscribeLine: url ? t.unsubscribeLine(url) : null,
      unsubscribeUrl: url,
    }
  }

  /** The message for one row, or a digest of several (same recipient). */
  function message(rows: Row[]) {
    const first = rows[0]!
    const site = opts.site()
    const t = messages(first.lang as Language).mail
    const digest = rows.length > 1
    const token = digest ? first.unsubscribe_all_token : first.unsubscribe_token
    const f = footer(first, token)
    const subject = digest ? t.digestSubject(site.blogTitle, rows.length) : first.subject
    const text = digest
      ? [t.digestIntro(config.perHour), ...rows.map((r) => `## ${r.subject}\n\n${r.text_body}`)].join('\n\n\n')
      : first.text_body
    const html = digest
      ? [
          `<p>${escape(t.digestIntro(config.perHour))}</p>`,
          ...rows.map((r) => `<h2 style="font-size:1.1em">${escape(r.subject)}</h2>\n${r.html_body}`),
        ].join('\n<hr style="border:0;border-top:1px solid #eee">\n')
      : first.html_body
    const messageId = digest ? `<carnet.digest-${randomUUID()}@${new URL(site.siteUrl).hostname}>` : first.message_id
    const thread = digest ? null : first.thread_id
    const headers: Record<string, string> = { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' }
    if (f.unsubscribeUrl) {
      // RFC 8058 one-click: a POST of `List-Unsubscribe=One-Click` to this address, without signing in.
      headers['List-Unsubscribe'] = `<${f.unsubscribeUrl}>`
      headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click'
    }
    return {
      messageId,
      message: {
        from: config.from,
        to: first.recipient,
        subject,
        text: textWithFooter(text, f),
        html: htmlDocument(first.lang, subject, html, f),
        messageId,
        date: new Date(),
        ...(thread ? { inReplyTo: thread, references: [thread] } : {}),
        headers: { ...headers, 'Content-Language': first.lang },
        textEncoding: 'quoted-printable' as const,
      },
    }
  }

  /** A slot in the current minute's count, or false when every sender together has used them all. */
  async function takeSlot(): Promise<boolean> {
    if (!opts.perMinute) return true
    const at = clockNow().getTime()
    const minute = new Date(at - (at % 60_000)).toISOString()
    await db
      .insertInto('mail_pace')
      .values({ minute, count: 0 })
      .onConflict((oc) => oc.column('minute').doNothing())
      .execute()
    const taken = await db
      .updateTable('mail_pace')
      .set((eb) => ({ count: eb('count', '+', 1) }))
      .where('minute', '=', minute)
      .where('count', '<', opts.perMinute())
      .executeTakeFirst()
    return Number(taken.numUpdatedRows) === 1
  }

  /** 'paced': this minute's slots are gone (the row goes back to the queue as it was). */
  async function deliver(rowId: number): Promise<'paced' | void> {
    const now = new Date()
    if (!(await claim(rowId, now))) return
    if (!(await takeSlot())) {
      await release([rowId], {})
      return 'paced'
    }
    const row = await loadRow(db, rowId)
    const rows = [row]
    if (LIMITED.includes(row.kind)) {
      const { count, oldest } = await sentWithinHour(row.recipient, now)
      if (count >= config.perHour) {
        // Over the limit: wait until the oldest mail of the hour is an hour old; what waits then goes as one digest.
        const at = new Date(Date.parse(oldest!) + HOUR_MS + 1000).toISOString()
        await release([row.id], { next_attempt_at: at })
        return
      }
      if (count === config.perHour - 1) {
        // The hour's last mail to this address gathers everything due for it, as one digest.
        const others = await db
          .selectFrom('mail_outbox')
          .select('id')
          .where('recipient', '=', row.recipient)
          .where('status', '=', 'queued')
          .where('kind', 'in', LIMITED)
          .where('id', '!=', row.id)
          .where('next_attempt_at', '<=', now.toISOString())
          .orderBy('id')
          .limit(100)
          .execute()
        for (const o of others) if (await claim(o.id, now)) rows.push(await loadRow(db, o.id))
      }
    }
    const ids = rows.map((r) => r.id)
    const { messageId, message: mail } = message(rows)
    try {
      await transport.sendMail({ ...mail, envelope: await envelope(row.recipient, row.lang as Language) })
    } catch (err) {
      const attempts = row.attempts + 1
      if (err instanceof Undeliverable || isPermanent(err) || attempts >= MAX_ATTEMPTS) {
        log.warn({ err, outbox: ids }, 'mail refused for good')
        await release(ids, { status: 'failed', attempts, last_error: describe(err) })
        if (row.kind === 'newsletter' || row.kind === 'digest') await bounced(row.recipient)
      } else {
        const delay = Math.min(MAX_DELAY_MS, config.retrySeconds * 1000 * 2 ** (attempts - 1))
        log.info({ err: describe(err), outbox: ids, attempts, delay }, 'mail not sent; will try again')
        await release(ids, { attempts, last_error: describe(err), next_attempt_at: new Date(Date.now() + delay).toISOString() })
      }
      return
    }
    await db
      .updateTable('mail_outbox')
      .set({
        status: 'sent',
        sent_at: new Date().toISOString(),
        sent_message_id: messageId,
        claimed_by: null,
        claimed_until: null,
        last_error: null,
      })
      .where('id', 'in', ids)
      .where('claimed_by', '=', id)
      .execute()
    log.info({ outbox: ids, kind: row.kind }, 'mail sent')
  }

  /** A subscriber's address the server refused for good: no more mails to it until it subscribes again. */
  async function bounced(recipient: string) {
    const address = db.selectFrom('mail_addresses').select('id').where('email', '=', recipient)
    await db
      .updateTable('blog_subscriptions')
      .set({ bounced_at: new Date().toISOString() })
      .where('address_id', 'in', address)
      .where('bounced_at', 'is', null)
      .execute()
  }

  let running: Promise<void> | undefined
  let again = false
  let closed = false

  async function round(): Promise<void> {
    // The pace's past minutes are of no use: a few rows at most stay. Looked for first: on PostgreSQL a delete of
    // nothing still moves the data version, and every instance would drop its caches at every round (src/jobs/jobs.ts).
    const past = new Date(clockNow().getTime() - HOUR_MS).toISOString()
    if (opts.perMinute && (await db.selectFrom('mail_pace').select('minute').where('minute', '<', past).limit(1).executeTakeFirst()))
      await db.deleteFrom('mail_pace').where('minute', '<', past).execute()
    do {
      again = false
      const due = await db
        .selectFrom('mail_outbox')
        .select('id')
        .where('status', '=', 'queued')
        .where('next_attempt_at', '<=', new Date().toISOString())
        // Rows another sender holds are its business (and would make this loop spin).
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', new Date().toISOString())]))
        // One person's mails first: a confirmation does not wait behind a post mailed to every subscriber.
        .orderBy(sql`case when kind in ('newsletter', 'digest') then 1 else 0 end`)
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(BATCH)
        .execute()
      for (const r of due) {
        if (closed) return
        if ((await deliver(r.id)) === 'paced') return
      }
      if (due.length === BATCH) again = true
    } while (again && !closed)
  }

  return {
    id,
    run() {
      if (closed) return Promise.resolve()
      if (running) {
        // A wake-up during a round: one more round after it, for what was queued meanwhile.
        again = true
        return running
      }
      running = round()
        .catch((err: unknown) => log.warn({ err }, 'mail round failed; will try again'))
        .finally(() => (running = undefined))
      return running
    },
    async close() {
      closed = true
      await running
      transport.close()
    },
  }
}

function escape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
