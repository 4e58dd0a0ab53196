// Imports comments from a Disqus export (Admin › Community › Export: one XML file of <category>, <thread> and
// <post> elements), streamed, in one transaction like the WXR import. A thread is matched to a post by its
// address: an imported post's old address (legacy_urls: WordPress links, /?p=<id>, /YYYY/MM/DD/slug/, /slug/) or
// Carnet's own permanent link (or a renamed post's old one), with or without query string and trailing slash.
// Threads that match no post are listed in the summary; their comments are skipped. Deleted and spam comments are
// skipped; the others are approved (Disqus exports only what its moderators let through). Answers keep their
// parent, even when the parent comes later in the file.
// A thread deleted in Disqus brings none of its comments. A thread closed in Disqus closes its post's comments,
// once: a later import of the same thread leaves the post as its author has set it since. A comment Disqus wrote
// incompletely (no dsq:id, no readable date, no thread) is left out and counted; the rest of the file is imported.
import type { Kysely, Transaction } from 'kysely'
import { z } from 'zod'
import type { Database } from '../db/schema.ts'
import { legacyKey, postOfLegacyUrl } from './legacy-urls.ts'
import { skip, type ImportSummary, type SkipReason } from './summary.ts'
import { htmlToText } from './text.ts'
import { inOneTransaction, remember, remembered, type ImportOptions } from './wxr-import.ts'
import { child, ImportFileError, xmlRecords, type Source, type XmlNode } from './xml-records.ts'

const DISQUS_NS = 'http://disqus.com'

const text = (node: XmlNode | undefined) => (node?.text ?? '').trim()
const el = (node: XmlNode, local: string) => child(node, local, DISQUS_NS)
const idOf = (node: XmlNode | undefined) => node?.attributes.id ?? ''

/** Disqus writes `true` and `false`; anything else (absent, empty) is false. */
const bool = (value: string) => value.toLowerCase() === 'true'
const thread = z.object({ dsqId: z.string().min(1).max(100), link: z.string().max(4000).catch('') })
const post = z.object({
  dsqId: z.string().max(100),
  threadId: z.string().max(100),
  parentId: z.string().max(100),
  message: z.string().max(1_000_000),
  name: z.string().max(1000),
  email: z.string().max(1000),
  ip: z.string().max(100),
})
const isoDate = z.iso.datetime({ offset: true, local: true })

/** A Disqus time in UTC ISO form; one without a zone (as Disqus's own documentation writes them) is UTC. */
function disqusDate(value: string): string | undefined {
  if (!isoDate.safeParse(value).success) return undefined
  const time = Date.parse(/(?:Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : `${value}Z`)
  return Number.isNaN(time) ? undefined : new Date(time).toISOString()
}

type Comment = z.infer<typeof post> & { createdAt: string }

/** A <post> as a comment to import, or why it is not one (in the order a reader would ask). */
function readPost(node: XmlNode): Comment | { skipped: SkipReason } {
  if (bool(text(el(node, 'isDeleted')))) return { skipped: 'deleted-comment' }
  if (bool(text(el(node, 'isSpam')))) return { skipped: 'spam-comment' }
  const author = el(node, 'author')
  const parsed = post.safeParse({
    dsqId: node.attributes.id ?? '',
    threadId: idOf(el(node, 'thread')),
    parentId: idOf(el(node, 'parent')),
    message: el(node, 'message')?.text ?? '',
    name: author ? text(el(author, 'name')) : '',
    email: author ? text(el(author, 'email')) : '',
    ip: text(el(node, 'ipAddress')),
  })
  if (!parsed.success) return { skipped: parsed.error.issues[0]!.path[0] === 'dsqId' ? 'comment-without-id' : 'unreadable-comment' }
  const p = parsed.data
  if (!p.dsqId) return { skipped: 'comment-without-id' }
  if (!p.threadId) return { skipped: 'comment-without-thread' }
  const createdAt = disqusDate(text(el(node, 'createdAt')))
  if (!createdAt) return { skipped: 'comment-bad-date' }
  return { ...p, createdAt }
}

/** Closes a post's comments for a thread closed in Disqus, the first time that thread is imported only. */
async function closeOnce(trx: Transaction<Database>, threadId: string, postId: number): Promise<void> {
  if ((await remembered(trx, 'disqus-closed-thread', threadId)) !== undefined) return
  // updated_at is left alone: the post's text has not changed (feeds and sitemaps would call it updated).
  await trx.updateTable('posts').set({ comments_open: 0 }).where('id', '=', postId).where('comments_open', '=', 1).execute()
  await remember(trx, 'disqus-closed-thread', threadId, postId)
}

/** The post a Disqus thread's address names, if any. */
async function postOfThread(db: Kysely<Database> | Transaction<Database>, link: string): Promise<number | undefined> {
  const legacy = await postOfLegacyUrl(db, link)
  if (legacy) return legacy.id
  const path = legacyKey(link)
  const m = path && /^\/archive\/(?:\d{4}\/\d{2}\/\d{2}|draft)\/([^/]+)\.html$/.exec(path)
  if (!m) return undefined
  const slug = m[1]!
  const byslug = await db.selectFrom('posts').select('id').where('slug', '=', slug).executeTakeFirst()
  if (byslug) return byslug.id
  const renamed = await db.selectFrom('post_redirects').select('post_id').where('old_slug', '=', slug).executeTakeFirst()
  return renamed?.post_id
}

export async function importDisqus(db: Kysely<Database>, source: Source, options: ImportOptions): Promise<ImportSummary> {
  return inOneTransaction(db, options.dryRun ?? false, async (trx, summary) => {
    const threads = new Map<string, { postId: number | undefined; link: string; deleted: boolean }>()
    const comments = new Map<string, number>()
    const orphans: Array<{ id: number; parentDsqId: string }> = []
    const unmatched = new Set<string>()
    const progress = { bytes: 0, posts: 0, comments: 0 }
    const records = xmlRecords(source, {
      container: ['disqus'],
      onBytes: (bytes) => {
        progress.bytes = bytes
      },
    })
    for await (const node of records) {
      if (node.uri !== DISQUS_NS) continue
      if (node.local === 'thread') {
        // A thread without a usable id can be named by no comment: nothing to do with it.
        const t = thread.safeParse({ dsqId: node.attributes.id ?? '', link: text(el(node, 'link')) }).data
        if (!t) continue
        const deleted = bool(text(el(node, 'isDeleted')))
        const postId = t.link && !deleted ? await postOfThread(trx, t.link) : undefined
        threads.set(t.dsqId, { postId, link: t.link, deleted })
        if (postId !== undefined && bool(text(el(node, 'isClosed')))) await closeOnce(trx, t.dsqId, postId)
      } else if (node.local === 'post') {
        const p = readPost(node)
        if ('skipped' in p) {
          skip(summary, p.skipped)
          continue
        }
        const t = threads.get(p.threadId)
        if (t?.deleted) {
          skip(summary, 'deleted-thread')
          continue
        }
        if (!t || t.postId === undefined) {
          skip(summary, 'unmatched-thread')
          unmatched.add(t?.link || `thread ${p.threadId}`)
          continue
        }
        const known = await remembered(trx, 'disqus-post', p.dsqId)
        if (known !== undefined) {
          comments.set(p.dsqId, known)
          summary.alreadyImported++
          continue
        }
        const body = htmlToText(p.message)
        if (!body) {
          skip(summary, 'comment-without-text')
          continue
        }
        const parent = p.parentId ? comments.get(p.parentId) : undefined
        const { id } = await trx
          .insertInto('comments')
          .values({
            post_id: t.postId,
            parent_id: parent ?? null,
            author_name: p.name || options.anonymous,
            author_email: p.email || null,
            author_url: null,
            body,
            status: 'approved',
            created_at: p.createdAt,
            ip: p.ip || null,
            body_key: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
        comments.set(p.dsqId, id)
        if (p.parentId && parent === undefined) orphans.push({ id, parentDsqId: p.parentId })
        await remember(trx, 'disqus-post', p.dsqId, id)
        summary.comments++
        progress.comments++
        options.onProgress?.(progress)
      } else if (node.local !== 'category') {
        throw new ImportFileError(`unexpected <${node.local}> in a Disqus export`, node.line, node.column)
      }
    }
    // Answers that came before their parent: linked now (a parent on another post, or skipped, stays unlinked).
    for (const orphan of orphans) {
      const parent = comments.get(orphan.parentDsqId)
      if (parent === undefined) continue
      const [a, b] = await Promise.all([
        trx.selectFrom('comments').select('post_id').where('id', '=', orphan.id).executeTakeFirstOrThrow(),
        trx.selectFrom('comments').select('post_id').where('id', '=', parent).executeTakeFirst(),
      ])
      if (b && a.post_id === b.post_id) await trx.updateTable('comments').set({ parent_id: parent }).where('id', '=', orphan.id).execute()
    }
    summary.unmatched = [...unmatched]
  })
}
