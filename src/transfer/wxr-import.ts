// Imports a WordPress export (any WXR 1.x, http or https namespaces), streamed, in short transactions that let
// the blog go on serving (import-runs.ts): a file refused halfway (malformed XML, a field out of shape) is undone,
// and so is a run whose process died. A dry run does the same work and rolls each batch back, so its summary is
// what the import would do. What was taken in is remembered by its id on its blog (import_origins): importing
// the same file again adds nothing, and a later export of the same blog adds only what is new (new posts, new
// comments on known posts); Carnet's own export of this blog matches its posts (wxr-identity.ts).
//
// Decisions (see README, "Import and export"):
// - posts: publish → published; future → published at its future date (scheduled); draft, pending, private →
//   draft; trash, auto-draft, revisions, attachments, menus → skipped.
// - pages become Carnet's static pages (/<slug>.html), same statuses, comments as WordPress had them. Their
//   hierarchy is flattened: a child keeps its own slug (`team`), and becomes `parent-child` (`about-team`) only
//   when that slug is taken; its old addresses (the link, /parent/child/, ?page_id=) answer 301.
// - a password-protected post is never published (Carnet has no passwords): a draft, named in the summary.
// - nested categories are flattened: every category is a category of its own, its parent forgotten.
// - pingbacks and trackbacks are skipped (Carnet's comments are people's words; they were link notices).
// - comment status 1 → approved, 0 → held, spam → spam, trash → skipped. comment_status closed closes the thread.
// - dates: post_date_gmt, else post_date read in the blog's time zone (drafts have a GMT date of 0000-00-00).
// - images stay at their addresses in the content.
import type { Kysely, Transaction } from 'kysely'
import { insertPost, slugTaken, uniqueCategorySlug } from '../content/posts.write.ts'
import { insertWriterWithoutSignIn } from '../content/authors.repository.ts'
import type { CommentStatus, Database, PostFormat } from '../db/schema.ts'
import { nowIso, zonedParts } from '../lib/time.ts'
import { addLegacyUrls } from './legacy-urls.ts'
import { emptySummary, skip, type ImportSummary } from './summary.ts'
import { htmlToLine, htmlToText } from './text.ts'
import {
  carnetTimes,
  originOf,
  readAuthor,
  readCategory,
  readItem,
  timesOf,
  wxrNamespaces,
  type WxrComment,
  type WxrItem,
  type WxrNamespaces,
} from './wxr-schema.ts'
import { BATCH_UNITS, CREATED, startRun } from './import-runs.ts'
import { ImportFileError, xmlRecords, type Source, type XmlNode } from './xml-records.ts'
import { byGuid, postKeys, sameCarnetComment, sameCarnetPost, type PostKeys } from './wxr-identity.ts'
import { gmtDate, localDate, remember, remembered, rfc822, type ImportOptions, type ImportProgress } from './import-common.ts'

// The command line takes these from here.
export { remember, remembered, type ImportOptions, type ImportProgress } from './import-common.ts'

type Trx = Transaction<Database>

const pad = (n: number) => String(n).padStart(2, '0')

const COMMENT_STATUS: Record<string, CommentStatus> = {
  '1': 'approved',
  approve: 'approved',
  '0': 'pending',
  hold: 'pending',
  spam: 'spam',
}

/** An author's website as Carnet keeps it: http(s) only. */
function website(url: string): string | null {
  return /^https?:\/\/[^\s]+$/i.test(url) && url.length <= 2000 ? url : null
}

class WxrImport {
  readonly authors = new Map<string, string>()
  readonly categoryIds = new Map<string, number>()
  readonly tagNames = new Set<string>()
  /** Pages' slugs by their WordPress id, for their children's. */
  readonly pageNames = new Map<string, string>()
  version: string | undefined
  ns: WxrNamespaces = wxrNamespaces()
  channelLink = ''
  channelTitle = ''
  baseBlogUrl = ''
  baseSiteUrl = ''
  progress: ImportProgress = { bytes: 0, posts: 0, comments: 0 }

  /** The current batch's transaction. */
  trx!: Trx
  /** Categories this import created, by name (a dry run's are created again in each batch that needs them). */
  readonly newCategories = new Set<string>()
  /** Categories created in the current batch: forgotten when a dry run's batch is rolled back. */
  batchCategories: string[] = []
  /** Writers by WordPress login (dc:creator), and those created in the current batch (same reason). */
  readonly writerIds = new Map<string, number>()
  batchWriters: string[] = []

  constructor(
    readonly summary: ImportSummary,
    readonly options: ImportOptions,
    readonly runId: number,
  ) {}

  /** One record of the channel: an item, or what describes the blog (its address, authors, categories). */
  async record(node: XmlNode): Promise<void> {
    if (node.uri === '' && node.local === 'item') {
      await this.item(readItem(node, this.ns), node.line)
      this.options.onProgress?.(this.progress)
    } else if (node.uri === '' && node.local === 'link') {
      this.channelLink = node.text.trim()
    } else if (node.uri === '' && node.local === 'title') {
      this.channelTitle = node.text.trim()
    } else if (this.ns.isWp(node.uri)) {
      if (node.local === 'wxr_version') {
        this.version = node.text.trim()
        // As WordPress's importer: any 1.x (later versions only add fields).
        if (!/^1\.\d+$/.test(this.version)) throw new ImportFileError({ code: 'wxr-version', params: { version: this.version } }, node.line)
      } else if (node.local === 'base_blog_url') {
        this.baseBlogUrl = node.text.trim()
      } else if (node.local === 'base_site_url') {
        this.baseSiteUrl = node.text.trim()
      } else if (node.local === 'author') {
        const a = readAuthor(node, this.ns)
        if (a.login && a.displayName) this.authors.set(a.login, a.displayName)
      } else if (node.local === 'category') {
        const c = readCategory(node, this.ns)
        if (c.name) await this.category(c.name, c.nicename)
      }
    }
  }

  /** A category by name (created with its WordPress slug if missing); nested ones are flattened. */
  async category(name: string, nicename: string): Promise<number> {
    const known = this.categoryIds.get(name)
    if (known !== undefined) return known
    const existing = await this.trx.selectFrom('categories').select('id').where('name', '=', name).executeTakeFirst()
    let id = existing?.id
    if (id === undefined) {
      const slug = await uniqueCategorySlug(this.trx, safeDecode(nicename) || name)
      id = (await this.trx.insertInto('categories').values({ name, slug, created_at: nowIso() }).returning('id').executeTakeFirstOrThrow())
        .id
      await remember(this.trx, CREATED.category, `${this.runId}:${id}`, id, this.runId)
      this.batchCategories.push(name)
      this.newCategories.add(name)
      this.summary.categories = this.newCategories.size
    }
    this.categoryIds.set(name, id)
    return id
  }

  async item(item: WxrItem, line: number): Promise<void> {
    if (this.version === undefined) throw new ImportFileError({ code: 'rss-feed' }, line)
    const type = item.type || 'post'
    if (type !== 'post' && type !== 'page') {
      skip(this.summary, 'not-a-post', type)
      return
    }
    // Known before its status is read: a child page names its parent by id, whatever the parent became.
    if (type === 'page' && item.postId && item.name) this.pageNames.set(item.postId, safeDecode(item.name))
    const status = item.status || 'publish'
    let carnetStatus: 'published' | 'draft' | null =
      status === 'publish' || status === 'future' ? 'published' : ['draft', 'pending', 'private'].includes(status) ? 'draft' : null
    if (carnetStatus === null) {
      skip(this.summary, 'post-status', status)
      return
    }
    // Behind a password in WordPress: never shown openly here (Carnet has no passwords), kept as a draft to read.
    const isProtected = item.password !== ''
    if (isProtected) carnetStatus = 'draft'
    // A post is known by its id on its blog (WordPress's exports have posts sharing a guid); the guid is only a
    // hint, for posts imported before ids were the key.
    const keys = postKeys(this.blogAddress(), item)
    let postId = await remembered(this.trx, 'wxr-post', keys.id)
    if (postId === undefined && keys.guid) postId = await byGuid(this.trx, keys.guid)
    if (postId === undefined) postId = await sameCarnetPost(this.trx, item)
    if (postId !== undefined) {
      this.summary.alreadyImported++
      const stillThere = await this.trx.selectFrom('posts').select('id').where('id', '=', postId).executeTakeFirst()
      if (!stillThere) return
      await remember(this.trx, 'wxr-post', keys.id, postId)
    } else {
      postId = await this.post(item, carnetStatus, type)
      await remember(this.trx, CREATED.post, keys.id, postId, this.runId)
      if (isProtected) {
        this.summary.protectedDrafts++
        if (this.summary.protectedTitles.length < 50) this.summary.protectedTitles.push(item.title.trim() || item.name)
      }
    }
    await this.comments(item, keys, postId)
  }

  /**
   * The writer of an item by its WordPress login (dc:creator, described by wp:author): the account of that
   * username if the blog has one, else a writer made without sign-in (no password) under that name.
   */
  async writer(login: string): Promise<number | null> {
    if (!login) return null
    const known = this.writerIds.get(login)
    if (known !== undefined) return known
    const existing = await this.trx.selectFrom('users').select('id').where('username', '=', login.trim().toLowerCase()).executeTakeFirst()
    const id = existing?.id ?? (await insertWriterWithoutSignIn(this.trx, login, this.authors.get(login) ?? login))
    if (!existing) this.batchWriters.push(login)
    this.writerIds.set(login, id)
    return id
  }

  /** The blog the file comes from: its address, else WordPress's blog or site address, else its title. */
  blogAddress(): string {
    return this.channelLink || this.baseBlogUrl || this.baseSiteUrl || `channel:${this.channelTitle}`
  }

  async post(item: WxrItem, status: 'published' | 'draft', kind: 'post' | 'page' = 'post'): Promise<number> {
    const { timeZone } = this.options
    const date = gmtDate(item.dateGmt) ?? localDate(item.date, timeZone) ?? rfc822(item.pubDate) ?? nowIso()
    const times = timesOf(item.meta)
    // A Carnet export carries the Markdown source beside the HTML WordPress reads.
    const markdown = item.meta.find((m) => m.key === '_carnet_markdown')
    // Carnet's export keeps a signature apart from its writer; WordPress's author is both.
    const signature = item.meta.find((m) => m.key === '_carnet_signature')
    const format: PostFormat = markdown ? 'markdown' : 'html'
    const categoryIds: number[] = []
    const tags: string[] = []
    for (const term of item.terms) {
      if (!term.name) continue
      if (term.domain === 'category') categoryIds.push(await this.category(term.name, term.nicename))
      else if (term.domain === 'post_tag') tags.push(term.name)
    }
    for (const tag of tags) this.tagNames.add(tag)
    this.summary.tags = this.tagNames.size
    let slug = safeDecode(item.name)
    // A child page whose slug another row has: `parent-child` rather than `child-2`.
    const parentName = kind === 'page' && item.parent && item.parent !== '0' ? this.pageNames.get(item.parent) : undefined
    if (parentName && slug && (await slugTaken(this.trx, slug))) slug = `${parentName}-${slug}`
    const { id } = await insertPost(this.trx, {
      kind,
      title: item.title.trim() || item.name || '(sans titre)',
      slug: slug || undefined,
      body: markdown ? markdown.value : item.content,
      format,
      excerpt: htmlToLine(item.excerpt),
      signature: signature ? signature.value : (this.authors.get(item.creator) ?? item.creator),
      authorId: await this.writer(item.creator),
      status,
      publishedAt: times ? times.published_at : status === 'published' ? date : null,
      // A page's comments are off unless WordPress had them open; a post's on unless closed.
      commentsOpen: kind === 'page' ? item.commentStatus === 'open' : item.commentStatus !== 'closed',
      categoryIds,
      tags,
      createdAt: times?.created_at ?? date,
      updatedAt: times?.updated_at ?? gmtDate(item.modifiedGmt) ?? date,
    })
    if (kind === 'page') this.summary.pages++
    else this.summary.posts++
    this.progress.posts++
    // Old addresses: the item's link, WordPress's short link and the two usual permalink forms.
    const addresses = [item.link]
    if (item.postId) addresses.push(`/?p=${item.postId}`)
    if (item.name) {
      const local = /^(\d{4})-(\d{2})-(\d{2})/.exec(item.date)
      const day = local && !item.date.startsWith('0000') ? { y: local[1], m: local[2], d: local[3] } : undefined
      const parts =
        day ??
        (() => {
          const p = zonedParts(date, timeZone)
          return { y: String(p.year), m: pad(p.month), d: pad(p.day) }
        })()
      if (kind === 'page') addresses.push(`/${item.name}/`, ...(parentName ? [`/${parentName}/${item.name}/`] : []))
      else addresses.push(`/${parts.y}/${parts.m}/${parts.d}/${item.name}/`, `/${item.name}/`)
    }
    this.summary.redirects += await addLegacyUrls(this.trx, id, addresses)
    return id
  }

  async comments(item: WxrItem, keys: PostKeys, postId: number): Promise<void> {
    // Parents before their answers, whatever the file's order; an answer to a skipped comment starts a thread.
    const byId = new Map(item.comments.map((c) => [c.id, c]))
    const localIds = new Map<string, number>()
    const done = new Set<string>()
    const visit = async (c: WxrComment, depth: number): Promise<void> => {
      if (done.has(c.id) || depth > 1000) return
      done.add(c.id)
      const parent = c.parent && c.parent !== '0' ? byId.get(c.parent) : undefined
      if (parent) await visit(parent, depth + 1)
      await this.comment(c, keys, postId, parent ? localIds.get(parent.id) : undefined, localIds)
    }
    for (const c of item.comments) await visit(c, 0)
  }

  async comment(c: WxrComment, keys: PostKeys, postId: number, parentId: number | undefined, localIds: Map<string, number>): Promise<void> {
    if (c.type === 'pingback' || c.type === 'trackback') {
      skip(this.summary, 'link-notice', c.type)
      return
    }
    const status = COMMENT_STATUS[c.approved || '1']
    if (!status) {
      skip(this.summary, 'comment-status', c.approved)
      return
    }
    const key = c.id ? `${keys.id}#${c.id}` : ''
    let known = key ? await remembered(this.trx, 'wxr-comment', key) : undefined
    // Remembered by the post's guid by an earlier import, or this blog's own comment in its own export.
    if (known === undefined && keys.guid && c.id) known = await remembered(this.trx, 'wxr-comment', `${keys.guid}#${c.id}`)
    if (known === undefined) known = await sameCarnetComment(this.trx, c, postId)
    if (known !== undefined) {
      localIds.set(c.id, known)
      this.summary.alreadyImported++
      return
    }
    const body = htmlToText(c.content)
    if (!body) {
      skip(this.summary, 'comment-without-text')
      return
    }
    const parentStillThere =
      parentId !== undefined && (await this.trx.selectFrom('comments').select('id').where('id', '=', parentId).executeTakeFirst())
    const { id } = await this.trx
      .insertInto('comments')
      .values({
        post_id: postId,
        parent_id: parentStillThere ? parentId! : null,
        author_name: c.author || this.options.anonymous,
        author_email: c.email || null,
        author_url: website(c.url),
        body,
        status,
        created_at:
          carnetTimes.shape.created_at.safeParse(c.meta.find((m) => m.key === '_carnet_created_at')?.value).data ??
          gmtDate(c.dateGmt) ??
          localDate(c.date, this.options.timeZone) ??
          nowIso(),
        ip: c.ip || null,
        body_key: null,
        // One thread, one count, one feed with the form's and the fediverse's (src/comments/): origin says which.
        // A Carnet export says where each came from (a blog moved keeps them as they were); others are imports.
        ...(originOf(c.meta) ?? { origin: 'import' }),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    localIds.set(c.id, id)
    // Every comment this run creates is remembered with it: by its id in the file, else by its own.
    if (key) await remember(this.trx, CREATED.comment, key, id, this.runId)
    else await remember(this.trx, CREATED.anyComment, `${this.runId}:${id}`, id, this.runId)
    this.summary.comments++
    this.progress.comments++
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

export async function importWxr(db: Kysely<Database>, source: Source, options: ImportOptions): Promise<ImportSummary> {
  const dryRun = options.dryRun ?? false
  const summary = emptySummary(dryRun)
  const run = await startRun(db, dryRun)
  const wxr = new WxrImport(summary, options, run.id)
  const records = xmlRecords(source, {
    container: ['rss', 'channel'],
    onBytes: (bytes) => {
      wxr.progress.bytes = bytes
    },
    onRoot: (tag) => {
      wxr.ns = wxrNamespaces(tag.ns)
    },
  })
  // Records are taken in small batches, each in a short transaction of its own (import-runs.ts).
  let pending: XmlNode[] = []
  let units = 0
  const flush = async () => {
    const batch = pending
    pending = []
    units = 0
    try {
      await run.batch(async (trx) => {
        wxr.trx = trx
        wxr.batchCategories = []
        wxr.batchWriters = []
        for (const node of batch) await wxr.record(node)
      })
    } finally {
      if (dryRun) for (const name of wxr.batchCategories) wxr.categoryIds.delete(name)
      if (dryRun) for (const login of wxr.batchWriters) wxr.writerIds.delete(login)
    }
  }
  try {
    for await (const node of records) {
      pending.push(node)
      units += 1 + (node.local === 'item' ? node.children.filter((c) => c.local === 'comment').length : 0)
      if (units >= BATCH_UNITS) await flush()
    }
    if (pending.length > 0) await flush()
    if (wxr.version === undefined) throw new ImportFileError({ code: 'no-wxr-version' })
  } catch (err) {
    // Refused halfway: what the earlier batches wrote goes. If even that fails (the database gone), the run stays
    // marked and is undone later (import-runs.ts); the file's reason is what the writer needs to hear.
    await run.undo().catch(() => undefined)
    throw err
  }
  await run.finish()
  return summary
}
