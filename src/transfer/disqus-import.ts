// Imports comments from a Disqus export (Admin › Community › Export: one XML file of <category>, <thread> and
// <post> elements), streamed, in one transaction like the WXR import. A thread is matched to a post by its
// address: an imported post's old address (legacy_urls: WordPress links, /?p=<id>, /YYYY/MM/DD/slug/, /slug/) or
// Carnet's own permanent link (or a renamed post's old one), with or without query string and trailing slash.
// Threads that match no post are listed in the summary; their comments are skipped. Deleted and spam comments are
// skipped; the others are approved (Disqus exports only what its moderators let through). Answers keep their
// parent, even when the parent comes later in the file.
import type { Kysely, Transaction } from 'kysely'
import { z } from 'zod'
import type { Database } from '../db/schema.ts'
import { legacyKey, postOfLegacyUrl } from './legacy-urls.ts'
import { skip, type ImportSummary } from './summary.ts'
import { htmlToText } from './text.ts'
import { inOneTransaction, remember, remembered, type ImportOptions } from './wxr-import.ts'
import { child, ImportFileError, xmlRecords, type Source, type XmlNode } from './xml-records.ts'

const DISQUS_NS = 'http://disqus.com'

const bool = z.enum(['true', 'false', '']).transform((v) => v === 'true')
const thread = z.object({ dsqId: z.string().min(1).max(100), link: z.string().max(4000) })
const post = z.object({
  dsqId: z.string().min(1).max(100),
  threadId: z.string().min(1).max(100),
  parentId: z.string().max(100),
  message: z.string().max(1_000_000),
  createdAt: z.iso.datetime({ offset: true }),
  isDeleted: bool,
  isSpam: bool,
  name: z.string().max(1000),
  email: z.string().max(1000),
  ip: z.string().max(100),
})

function check<T>(schema: z.ZodType<T>, value: unknown, node: XmlNode): T {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]!
  throw new ImportFileError(`<${node.local}>: ${issue.path.join('.') || 'value'}: ${issue.message}`, node.line, node.column)
}

const text = (node: XmlNode | undefined) => (node?.text ?? '').trim()
const el = (node: XmlNode, local: string) => child(node, local, DISQUS_NS)
const dsqId = (node: XmlNode | undefined) => node?.attributes.id ?? ''

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
    const threads = new Map<string, { postId: number | undefined; link: string }>()
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
        const t = check(thread, { dsqId: node.attributes.id ?? '', link: text(el(node, 'link')) }, node)
        threads.set(t.dsqId, { postId: t.link ? await postOfThread(trx, t.link) : undefined, link: t.link })
      } else if (node.local === 'post') {
        const author = el(node, 'author')
        const p = check(
          post,
          {
            dsqId: node.attributes.id ?? '',
            threadId: dsqId(el(node, 'thread')),
            parentId: dsqId(el(node, 'parent')),
            message: el(node, 'message')?.text ?? '',
            createdAt: text(el(node, 'createdAt')),
            isDeleted: text(el(node, 'isDeleted')),
            isSpam: text(el(node, 'isSpam')),
            name: author ? text(el(author, 'name')) : '',
            email: author ? text(el(author, 'email')) : '',
            ip: text(el(node, 'ipAddress')),
          },
          node,
        )
        if (p.isDeleted) skip(summary, 'deleted-comment')
        else if (p.isSpam) skip(summary, 'spam-comment')
        else {
          const t = threads.get(p.threadId)
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
              created_at: new Date(p.createdAt).toISOString(),
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
        }
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
