// Sending one webmention (W3C Webmention §3.1), as a job: fetch the target (outboundFetch's limits), discover its
// endpoint (src/webmention/discovery.ts), post source and target to it, and record what it answered in
// webmention_sends (the admin's list). A network error or a 5xx answer is thrown: retried with the job's backoff.
// A page that takes no webmentions, or a 4xx answer, is final.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { WebmentionSendState } from '../db/schema.ts'
import { outboundFetch, OutboundRefused } from '../lib/outbound.ts'
import { nowIso } from '../lib/time.ts'
import { discoverEndpoint } from './discovery.ts'
import { FETCH_MAX_BYTES, FETCH_TIMEOUT_MS } from './verify.ts'

export const SEND_JOB = 'webmention-send'
const payloadSchema = z.object({ postId: z.number().int(), source: z.string(), target: z.string() })
/** The first words of an answer kept for the admin. */
const ANSWER_CHARS = 300

export async function sendWebmention(app: FastifyInstance, payload: unknown, job: { attempts: number }): Promise<void> {
  const { postId, source, target } = payloadSchema.parse(payload)
  const record = (
    state: WebmentionSendState,
    fields: { endpoint?: string | null; status_code?: number | null; answer?: string | null } = {},
  ) =>
    app.db
      .updateTable('webmention_sends')
      .set({ state, ...fields, attempts: job.attempts + 1, sent_at: nowIso() })
      .where('post_id', '=', postId)
      .where('target', '=', target)
      .execute()
  const limits = { allowPrivate: app.config.outboundAllowPrivate, timeoutMs: FETCH_TIMEOUT_MS, maxBytes: FETCH_MAX_BYTES }

  let endpoint: string | null
  try {
    const page = await outboundFetch(target, { ...limits, headers: { accept: 'text/html, application/xhtml+xml;q=0.9, */*;q=0.1' } })
    if (page.status >= 500) {
      await record('failed', { status_code: page.status, answer: `target: HTTP ${page.status}` })
      throw new Error(`target answered ${page.status}`)
    }
    const type = (page.headers.get('content-type') ?? '').toLowerCase()
    const links = page.headers.get('link')
    endpoint = discoverEndpoint({ url: page.url, linkHeaders: links ? [links] : [], html: type.includes('html') ? page.text() : null })
  } catch (err) {
    if (err instanceof OutboundRefused) return void (await record('failed', { answer: err.message }))
    if (!(err instanceof Error && err.message.startsWith('target answered'))) await record('failed', { answer: errorText(err) })
    throw err
  }
  if (!endpoint) return void (await record('no-endpoint'))

  let answer: Awaited<ReturnType<typeof outboundFetch>>
  try {
    answer = await outboundFetch(endpoint, {
      ...limits,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/plain, text/html, */*;q=0.1' },
      body: new URLSearchParams({ source, target }).toString(),
    })
  } catch (err) {
    if (err instanceof OutboundRefused) return void (await record('failed', { endpoint, answer: err.message }))
    await record('failed', { endpoint, answer: errorText(err) })
    throw err
  }
  const words = answer.headers.get('location') ?? answer.text().replace(/\s+/g, ' ').trim().slice(0, ANSWER_CHARS)
  const fields = { endpoint, status_code: answer.status, answer: words || null }
  if (answer.status >= 200 && answer.status < 300) return void (await record('sent', fields))
  if (answer.status >= 500 || answer.status === 429) {
    await record('failed', fields)
    throw new Error(`endpoint answered ${answer.status}`)
  }
  await record('refused', fields)
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
