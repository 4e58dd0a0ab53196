// Readers' pages: home, category, year and month archives, and the post page with its comments.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { MemoArg } from '../cache/freshness.ts'
import { CACHEABLE } from '../cache/policy.ts'
import { threadIsOpen } from '../content/policy.ts'
import { messages } from '../i18n/index.ts'
import {
  authorFeedPath,
  authorPath,
  categoryPath,
  COMMENTS_PER_PAGE,
  monthPath,
  postPath,
  withCommentPage,
  withPage,
  yearPath,
} from '../lib/urls.ts'
import {
  authorsOfPosts,
  bylinesShown,
  countPublishedByAuthor,
  findAuthorBySlug,
  listPublishedByAuthor,
} from '../content/authors.repository.ts'
import { monthRange, nowIso, yearRange } from '../lib/time.ts'
import * as repo from '../content/posts.repository.ts'
import * as counts from '../content/post-counts.ts'
import { isVisibleToReaders } from '../content/visibility.ts'
import { reactionsOf, type PostReactions } from '../comments/reactions.ts'
import { pageCount, pager, type Pager } from '../lib/pager.ts'
import { categoryParams, commentPageQuery, monthParams, pageQuery, postParams, yearParams } from '../lib/url-params.ts'
import { commentTree, toListItem, toPostView, viewContext, type CommentView, type PostView, type ViewContext } from './view-models.ts'
import type {} from './page-fields.ts' // the fields this page shares with other features' hooks

export default async function postsRoutes(app: FastifyInstance) {
  // Scheduled posts appear and threads close with no write: every cache must drop its pages then.
  app.freshness.addTimedChanges({
    next: (now) => repo.timedChange(app.db, 'next', now, app.settings.get().commentsAutoCloseDays),
    last: (now) => repo.timedChange(app.db, 'last', now, app.settings.get().commentsAutoCloseDays),
  })
  const listContext = (): ViewContext & { perPage: number } => {
    const settings = app.settings.get()
    return { ...viewContext(settings), perPage: settings.postsPerPage }
  }

  interface ListOptions {
    path: string
    count: (now: string) => Promise<number>
    list: (now: string, limit: number, offset: number) => Promise<repo.PostListRow[]>
    heading: string | null
    title: string
    description?: string
    /** On a category's pages: which one (its feeds are advertised in the head). */
    category?: { name: string; slug: string }
    /** An archive (a month, a year) with no post a reader can see is no page at all: 404, not an empty list. */
    missingWhenEmpty?: boolean
    /** On a writer's page: who they are (bio, portrait, h-card) and their feeds. */
    author?: AuthorHeader
  }

  /** One page of a list of posts, or undefined for a page past the end (or an empty archive). */
  async function listData(page: number, opts: ListOptions) {
    const context = listContext()
    const now = nowIso()
    // Read from the counts the database keeps (src/content/post-counts.ts), and kept until posts or categories
    // change or a timed change comes (a month's range depends on the time zone, a setting: part of every memo's key).
    const total = await app.freshness.postsMemo({ name: 'count', args: [opts.path] }, () => opts.count(now))
    if (total === 0 && opts.missingWhenEmpty) return undefined
    const pages = pageCount(total, context.perPage)
    if (page > pages) return undefined
    const pagination = pager(page, pages, (n) => withPage(opts.path, n))
    const rows = await opts.list(now, context.perPage, (page - 1) * context.perPage)
    const categories = await repo.categoriesOfPosts(
      app.db,
      rows.map((r) => r.id),
    )
    const authors = await bylines(
      app,
      rows.map((r) => r.id),
      now,
    )
    return {
      title: page > 1 ? messages(app.settings.get().language).titleWithPage(opts.title, page) : opts.title,
      ...(opts.description ? { description: opts.description } : {}),
      canonical: app.config.siteUrl + withPage(opts.path, page),
      heading: opts.heading,
      category: opts.category ?? null,
      ...(opts.author ? { author: opts.author } : {}),
      posts: rows.map((r) => ({ ...toListItem(r, categories, context), author: authors.get(r.id) ?? null })),
      pagination,
    }
  }

  /**
   * Renders a paged list of posts, or 404 for a page past the end, an empty archive, or when `options` finds
   * nothing. Its data reads only the database, the clock and the settings (which change only with a write):
   * computed once per freshness generation, list (`key`: what names it in the address) and page, whole, with
   * whatever lookup `options` makes (a category by its slug), so that no part of it can predate a write another
   * part follows.
   */
  async function listPage(
    request: FastifyRequest,
    reply: FastifyReply,
    key: readonly MemoArg[],
    options: () => Promise<ListOptions | undefined>,
  ) {
    const query = pageQuery.safeParse(request.query)
    if (!query.success) return reply.callNotFound()
    const { page } = query.data
    const data = await app.freshness.pageMemo(
      { name: 'list', args: [...key, page] },
      async () => {
        const opts = await options()
        return opts && listData(page, opts)
      },
      request,
    )
    if (!data) return reply.callNotFound()
    return reply.page('posts/list', data)
  }

  app.get('/', { config: CACHEABLE }, async (request, reply) => {
    return listPage(request, reply, ['home'], async () => ({
      path: '/',
      count: (now) => counts.countVisible(app.db, now),
      list: (now, limit, offset) => repo.listPublished(app.db, { now, limit, offset }),
      heading: null,
      title: app.settings.get().title,
    }))
  })

  app.get('/category/:slug', { config: CACHEABLE }, async (request, reply) => {
    const params = categoryParams.safeParse(request.params)
    if (!params.success) return reply.callNotFound()
    const slug = params.data.slug
    return listPage(request, reply, ['category', slug], async () => {
      const category = await repo.findCategoryBySlug.first(app.db, { slug })
      if (!category) return undefined
      const t = messages(app.settings.get().language)
      return {
        path: categoryPath(category.slug),
        count: (now) => counts.countVisibleInCategory(app.db, now, category.id),
        list: (now, limit, offset) => repo.listPublishedInCategory(app.db, { now, categoryId: category.id, limit, offset }),
        heading: t.categoryTitle(category.name),
        title: t.categoryTitle(category.name),
        category,
      }
    })
  })

  // A year's posts: where the sidebar's archives lead once they go by year (src/reader/sidebar.ts).
  app.get('/archive/:year', { config: CACHEABLE }, async (request, reply) => {
    const params = yearParams.safeParse(request.params)
    if (!params.success) return reply.callNotFound()
    const { year } = params.data
    return listPage(request, reply, ['year', year], async () => {
      const [from, to] = yearRange(year, listContext().timeZone)
      const label = messages(app.settings.get().language).yearTitle(year)
      return {
        path: yearPath(year),
        count: async (now) => (await counts.countsVisibleInRanges(app.db, now, [[from, to]]))[0]!,
        list: (now, limit, offset) => repo.listPublishedInRange(app.db, { now, from, to, limit, offset }),
        heading: label,
        title: label,
        missingWhenEmpty: true,
      }
    })
  })

  app.get('/archive/:year/:month', { config: CACHEABLE }, async (request, reply) => {
    const params = monthParams.safeParse(request.params)
    if (!params.success) return reply.callNotFound()
    const { year, month } = params.data
    return listPage(request, reply, ['month', year, month], async () => {
      const context = listContext()
      const [from, to] = monthRange(year, month, context.timeZone)
      const label = messages(app.settings.get().language).monthTitle(context.fmt.monthYear(year, month))
      return {
        path: monthPath(year, month),
        count: async (now) => (await counts.countsVisibleInRanges(app.db, now, [[from, to]]))[0]!,
        list: (now, limit, offset) => repo.listPublishedInRange(app.db, { now, from, to, limit, offset }),
        heading: label,
        title: label,
        missingWhenEmpty: true,
      }
    })
  })

  // A writer's page: their bio, portrait and h-card, then their posts, paged, with their own feeds.
  app.get('/author/:slug', { config: CACHEABLE }, async (request, reply) => {
    const params = categoryParams.safeParse(request.params)
    if (!params.success) return reply.callNotFound()
    const slug = params.data.slug
    return listPage(request, reply, ['author', slug], async () => {
      const author = await findAuthorBySlug.first(app.db, { slug })
      if (!author || !author.slug) return undefined
      const t = messages(app.settings.get().language)
      const name = author.display_name || author.username
      const path = authorPath(author.slug)
      return {
        path,
        count: async (now) => (await countPublishedByAuthor.firstOrThrow(app.db, { now, authorId: author.id })).n,
        list: (now, limit, offset) => listPublishedByAuthor(app.db, { now, authorId: author.id, limit, offset }),
        heading: t.writers.authorTitle(name),
        title: t.writers.authorTitle(name),
        ...(author.bio ? { description: author.bio } : {}),
        author: {
          name,
          url: path,
          absoluteUrl: app.config.siteUrl + path,
          bio: author.bio,
          portrait: author.portrait ? { src: `/media/${author.portrait}`, width: author.width!, height: author.height! } : null,
          feeds: { rss: authorFeedPath(author.slug, 'rss'), atom: authorFeedPath(author.slug, 'atom') },
        },
      }
    })
  })

  type PostAnswer =
    { kind: 'missing' } | { kind: 'moved'; to: string } | { kind: 'page'; canonicalPath: string; data: PostPageData | undefined }

  /** What a post's address shows: the same for every reader until the generation moves (see the route). */
  async function postAnswer(slug: string, query: { cpage: number; reply?: number | undefined } | null): Promise<PostAnswer> {
    const now = nowIso()
    const row = await repo.findPostBySlug.first(app.db, { slug })
    if (!row) {
      // A slug the admin changed: its old address leads to the post's current one.
      const moved = await repo.findPostByOldSlug(app.db, slug)
      if (moved && isVisibleToReaders(moved, now)) return { kind: 'moved', to: postPath(moved, app.settings.get().timezone) }
      return { kind: 'missing' }
    }
    if (!isVisibleToReaders(row, now)) return { kind: 'missing' }
    const context = listContext()
    const canonicalPath = postPath(row, context.timeZone)
    // Answering a comment opens the page of the comments that holds it.
    const data = query ? await postPageData(app, row, context, { page: query.cpage, around: query.reply }) : undefined
    return { kind: 'page', canonicalPath, data }
  }

  app.get('/archive/:year/:month/:day/:file', { config: CACHEABLE }, async (request, reply) => {
    const params = postParams.safeParse(request.params)
    if (!params.success) return reply.callNotFound()
    const slug = params.data.file.slice(0, -'.html'.length)
    const parsed = commentPageQuery.safeParse(request.query ?? {})
    const query = parsed.success ? parsed.data : null
    // Everything below reads only the database, the clock and the settings (which change only with a write):
    // computed once per freshness generation (src/cache/freshness.ts) and address, whole, lookup of the post
    // included, so that no part of it can come from before a write and another from after it.
    const answer = await app.freshness.pageMemo(
      { name: 'post', args: [slug, query ? query.cpage : null, query?.reply ?? null, query !== null] },
      () => postAnswer(slug, query),
      request,
    )
    if (answer.kind === 'missing') return reply.callNotFound()
    if (answer.kind === 'moved') return reply.redirect(answer.to, 301)
    // The date in the address is for people; the slug finds the post. A wrong date gets the right address.
    if (answer.canonicalPath !== request.url.split('?')[0]) return reply.redirect(answer.canonicalPath, 301)
    if (!answer.data) return reply.callNotFound()
    return reply.page('posts/show', answer.data)
  })
}

/** What a writer's page shows above their posts. */
export interface AuthorHeader {
  name: string
  url: string
  absoluteUrl: string
  bio: string
  portrait: { src: string; width: number; height: number } | null
  feeds: { rss: string; atom: string }
}

/** The bylines of these posts, or none when the blog hides them (its setting; auto: fewer than two writers). */
export async function bylines(app: FastifyInstance, postIds: number[], now: string): Promise<Map<number, { name: string; url: string }>> {
  const out = new Map<number, { name: string; url: string }>()
  if (!(await bylinesShown(app.db, app.settings.get().bylines, now))) return out
  for (const [id, a] of await authorsOfPosts(app.db, postIds)) out.set(id, { name: a.name, url: authorPath(a.slug) })
  return out
}

/** The post page's data (posts/show): the same for every reader of a freshness generation. */
export interface PostPageData {
  title: string
  description: string
  canonical: string
  post: PostView
  comments: CommentView[]
  commentsPagination: Pager
  /** Likes, boosts, bookmarks and mentions from elsewhere (setting showReactions); null when none or hidden. */
  reactions: PostReactions | null
  previous: { title: string; url: string } | null
  next: { title: string; url: string } | null
}

/**
 * Everything the post page shows, with one page of its comments (100 a page, oldest first); `around` picks the
 * page that holds that comment. Undefined for a comment page past the last. The comments feature renders the same
 * page with a form's errors.
 */
export async function postPageData(
  app: FastifyInstance,
  row: repo.PostRow,
  context: ViewContext,
  opts: { page?: number; around?: number } = {},
): Promise<PostPageData | undefined> {
  const now = nowIso()
  const total = Number(row.comment_count)
  const pages = pageCount(total, COMMENTS_PER_PAGE)
  let page = opts.page ?? 1
  if (opts.around !== undefined) {
    const at = await repo.commentPosition(app.db, opts.around)
    if (at && at.postId === row.id) page = Math.floor(at.position / COMMENTS_PER_PAGE) + 1
  }
  if (page > pages) return undefined
  const offset = (page - 1) * COMMENTS_PER_PAGE
  // A static page has no categories, labels or neighbours (it is in no list).
  const isPage = row.kind === 'page'
  const showReactions = app.settings.get().showReactions && Boolean(row.has_reactions)
  const [categories, tags, comments, around, reactions] = await Promise.all([
    isPage ? new Map<number, Array<{ name: string; slug: string }>>() : repo.categoriesOfPosts(app.db, [row.id]),
    isPage ? [] : repo.tagsOfPost(app.db, row.id),
    repo.approvedComments(app.db, { postId: row.id, limit: COMMENTS_PER_PAGE, offset }),
    isPage ? { previous: undefined, next: undefined } : repo.neighbours(app.db, now, { id: row.id, published_at: row.published_at! }),
    showReactions ? reactionsOf(app.db, row.id) : null,
  ])
  const settings = app.settings.get()
  const author = (await bylines(app, [row.id], now)).get(row.id) ?? null
  const post = { ...toPostView(row, categories.get(row.id), tags, context, threadIsOpen(row, settings)), author }
  const t = messages(settings.language)
  // Answers whose parent is on another page link to it (a held or removed parent is not linked).
  const onPage = new Set(comments.map((r) => r.id))
  const elsewhere = [...new Set(comments.map((r) => r.parent_id).filter((id): id is number => id !== null && !onPage.has(id)))]
  const visibleElsewhere = await repo.visibleCommentAuthors(app.db, row.id, elsewhere)
  const commentsPagination = pager(page, pages, (n) => `${withCommentPage(post.url, n)}#comments`)
  return {
    title: page > 1 ? t.commentsPageTitle(row.title, page) : row.title,
    description: row.excerpt,
    canonical: app.config.siteUrl + withCommentPage(post.url, page),
    post,
    comments: commentTree(comments, context, (id) => visibleElsewhere.get(id)),
    commentsPagination,
    reactions,
    previous: around.previous ? { title: around.previous.title, url: postPath(around.previous, context.timeZone) } : null,
    next: around.next ? { title: around.next.title, url: postPath(around.next, context.timeZone) } : null,
  }
}
