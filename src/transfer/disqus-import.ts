// Imports comments from a Disqus export (Admin › Community › Export: one XML file of <category>, <thread> and
// <post> elements), streamed, in short transactions like the WXR import (import-runs.ts), so that the blog goes on
// serving meanwhile; a file refused halfway, or a run whose process died, is undone: its comments deleted, the
// threads it closed opened again, what it remembered forgotten.
// A thread is matched to a post by its address: an imported post's old address (legacy_urls: WordPress links,
// /?p=<id>, /YYYY/MM/DD/slug/, /slug/) or Carnet's own permanent link (or a renamed post's old one), with or
// without query string and trailing slash. Threads that match no post are listed in the summary; their comments
// are skipped. Deleted and spam comments are skipped; the others are approved (Disqus exports only what its
// moderators let through). Answers keep their parent if both are on the same post, even when the parent comes
// later in the file (linked once the whole file is in).
// A thread deleted in Disqus brings none of its comments. A thread closed in Disqus closes its post's comments,
// once: a later import of the same thread leaves the post as its author has set it since; the summary counts the
// threads an import closed. A comment Disqus wrote incompletely (no dsq:id, no readable date, no thread) is left
// out and counted; the rest of the file is imported.
import type { Kysely, Transaction } from 'kysely'
import { z } from 'zod'
import type { Database } from '../db/schema.ts'
import { remember, remembered, type ImportOptions, type ImportProgress } from './import-common.ts'
import { BATCH_UNITS, CREATED, startRun } from './import-runs.ts'
import { legacyKey, postOfLegacyUrl } from './legacy-urls.ts'
import { emptySummary, skip, type ImportSummary, type SkipReason } from './summary.ts'
import { htmlToText } from './text.ts'
import { child, ImportFileError, xmlRecords, type Source, type XmlNode } from './xml-records.ts'

type Trx = Transaction<Database>

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

class DisqusImport {
  readonly threads = new Map<string, { postId: number | undefined; link: string; deleted: boolean }>()
  /**
   * This file's comments in the database, by dsq:id: imported before, or created by this run. A dry run's are
   * forgotten with their batch (rolled back, their ids may be given again): `wouldCreate` keeps them instead.
   */
  readonly comments = new Map<string, number>()
  readonly wouldCreate = new Set<string>()
  batchCreated: string[] = []
  /** Answers that came before their parent, linked once the whole file is in. */
  readonly orphans: Array<{ id: number; parentDsqId: string }> = []
  readonly unmatched = new Set<string>()
  readonly progress: ImportProgress = { bytes: 0, posts: 0, comments: 0 }
  /** The current batch's transaction, and the posts seen still there in it (the blog is live between batches). */
  trx!: Trx
  livePosts = new Map<number, boolean>()
  /** Posts this run closed (a dry run's batch reopens them when rolled back: counted once all the same). */
  readonly closedPosts = new Set<number>()

  constructor(
    readonly summary: ImportSummary,
    readonly options: ImportOptions,
    readonly runId: number,
  ) {}

  async record(node: XmlNode): Promise<void> {
    if (node.uri !== DISQUS_NS) return
    if (node.local === 'thread') await this.thread(node)
    else if (node.local === 'post') await this.post(node)
    else if (node.local !== 'category')
      throw new ImportFileError({ code: 'disqus-element', params: { element: node.local } }, node.line, node.column)
  }

  async thread(node: XmlNode): Promise<void> {
    // A thread without a usable id can be named by no comment: nothing to do with it.
    const t = thread.safeParse({ dsqId: node.attributes.id ?? '', link: text(el(node, 'link')) }).data
    if (!t) return
    const deleted = bool(text(el(node, 'isDeleted')))
    const postId = t.link && !deleted ? await postOfThread(this.trx, t.link) : undefined
    this.threads.set(t.dsqId, { postId, link: t.link, deleted })
    if (postId !== undefined && bool(text(el(node, 'isClosed')))) await this.closeOnce(t.dsqId, postId)
  }

  /** Closes a post's comments for a thread closed in Disqus, the first time that thread is imported only. */
  async closeOnce(threadId: string, postId: number): Promise<void> {
    if ((await remembered(this.trx, CREATED.closedThread, threadId)) !== undefined) return
    // updated_at is left alone: the post's text has not changed (feeds and sitemaps would call it updated).
    const closed = await this.trx
      .updateTable('posts')
      .set({ comments_open: 0 })
      .where('id', '=', postId)
      .where('comments_open', '=', 1)
      .executeTakeFirst()
    await remember(this.trx, CREATED.closedThread, threadId, postId, this.runId)
    // Only a post this run closed is opened again by its undo (one closed already stays closed).
    if (Number(closed.numUpdatedRows) > 0 && !this.closedPosts.has(postId)) {
      this.closedPosts.add(postId)
      this.summary.closedThreads++
      await remember(this.trx, CREATED.closedPost, `${this.runId}:${postId}`, postId, this.runId)
    }
  }

  async post(node: XmlNode): Promise<void> {
    const { summary, trx } = this
    const p = readPost(node)
    if ('skipped' in p) {
      skip(summary, p.skipped)
      return
    }
    const t = this.threads.get(p.threadId)
    if (t?.deleted) {
      skip(summary, 'deleted-thread')
      return
    }
    // A post deleted since its thread was read (between batches) is a thread that matches no post.
    if (!t || t.postId === undefined || !(await this.postThere(t.postId))) {
      skip(summary, 'unmatched-thread')
      this.unmatched.add(t?.link || `thread ${p.threadId}`)
      return
    }
    // Twice in the file: the second is already imported (in a dry run too, whose first went with its batch).
    if (this.wouldCreate.has(p.dsqId)) {
      summary.alreadyImported++
      return
    }
    const known = await remembered(trx, CREATED.disqusComment, p.dsqId)
    if (known !== undefined) {
      this.comments.set(p.dsqId, known)
      summary.alreadyImported++
      return
    }
    const body = htmlToText(p.message)
    if (!body) {
      skip(summary, 'comment-without-text')
      return
    }
    // A parent met already is linked if it is still there (a moderator may have deleted it) and on the same post.
    const parent = p.parentId ? this.comments.get(p.parentId) : undefined
    const parentId = parent !== undefined && (await this.postOfComment(parent)) === t.postId ? parent : null
    const { id } = await trx
      .insertInto('comments')
      .values({
        post_id: t.postId,
        parent_id: parentId,
        author_name: p.name || this.options.anonymous,
        author_email: p.email || null,
        author_url: null,
        body,
        status: 'approved',
        created_at: p.createdAt,
        ip: p.ip || null,
        body_key: null,
        // One thread, one count, one feed with the form's and the fediverse's (src/comments/): origin says which.
        origin: 'import',
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    this.comments.set(p.dsqId, id)
    if (summary.dryRun) {
      this.batchCreated.push(p.dsqId)
      this.wouldCreate.add(p.dsqId)
    } else if (p.parentId && parent === undefined) {
      this.orphans.push({ id, parentDsqId: p.parentId })
    }
    await remember(trx, CREATED.disqusComment, p.dsqId, id, this.runId)
    summary.comments++
    this.progress.comments++
    this.options.onProgress?.(this.progress)
  }

  async postThere(postId: number): Promise<boolean> {
    let there = this.livePosts.get(postId)
    if (there === undefined) {
      there = (await this.trx.selectFrom('posts').select('id').where('id', '=', postId).executeTakeFirst()) !== undefined
      this.livePosts.set(postId, there)
    }
    return there
  }

  async postOfComment(id: number): Promise<number | undefined> {
    return (await this.trx.selectFrom('comments').select('post_id').where('id', '=', id).executeTakeFirst())?.post_id
  }

  /** Answers that came before their parent, linked now (a parent on another post, skipped or gone stays unlinked). */
  async linkOrphans(orphans: Array<{ id: number; parentDsqId: string }>): Promise<void> {
    for (const orphan of orphans) {
      const parent = this.comments.get(orphan.parentDsqId)
      if (parent === undefined) continue
      const [a, b] = [await this.postOfComment(orphan.id), await this.postOfComment(parent)]
      if (a !== undefined && a === b)
        await this.trx.updateTable('comments').set({ parent_id: parent }).where('id', '=', orphan.id).execute()
    }
  }
}

export async function importDisqus(db: Kysely<Database>, source: Source, options: ImportOptions): Promise<ImportSummary> {
  const dryRun = options.dryRun ?? false
  const summary = emptySummary(dryRun)
  const run = await startRun(db, dryRun)
  const disqus = new DisqusImport(summary, options, run.id)
  const records = xmlRecords(source, {
    container: ['disqus'],
    onBytes: (bytes) => {
      disqus.progress.bytes = bytes
    },
  })
  const batch = async (work: () => Promise<void>) => {
    try {
      await run.batch(async (trx) => {
        disqus.trx = trx
        disqus.livePosts = new Map()
        disqus.batchCreated = []
        await work()
      })
    } finally {
      // A dry run's batch is rolled back: the ids it gave its comments name nothing any more.
      if (dryRun) for (const dsqId of disqus.batchCreated) disqus.comments.delete(dsqId)
    }
  }
  // Records are taken in small batches, each in a short transaction of its own (import-runs.ts).
  let pending: XmlNode[] = []
  const flush = async () => {
    const nodes = pending
    pending = []
    await batch(async () => {
      for (const node of nodes) await disqus.record(node)
    })
  }
  try {
    for await (const node of records) {
      pending.push(node)
      if (pending.length >= BATCH_UNITS) await flush()
    }
    if (pending.length > 0) await flush()
    // A dry run has no orphans: its answers' rows went with their batches.
    for (let i = 0; i < disqus.orphans.length; i += BATCH_UNITS) {
      const orphans = disqus.orphans.slice(i, i + BATCH_UNITS)
      await batch(() => disqus.linkOrphans(orphans))
    }
  } catch (err) {
    // Refused halfway: what the earlier batches wrote goes (import-runs.ts).
    await run.undo().catch(() => undefined)
    throw err
  }
  summary.unmatched = [...disqus.unmatched]
  await run.finish()
  return summary
}
