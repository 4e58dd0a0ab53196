// Readers' pages: home, post, category and month archives.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { threadIsOpen } from '../comments/policy.ts'
import { formatter, messages } from '../i18n/index.ts'
import { categoryPath, monthPath, postPath, withPage } from '../lib/urls.ts'
import { monthRange, nowIso } from '../lib/time.ts'
import * as repo from './posts.repository.ts'
import { categoryParams, monthParams, pageQuery, postParams } from './posts.schemas.ts'
import { commentTree, toListItem, toPostView, type ViewContext } from './views.ts'

export interface Pagination {
  page: number
  pages: number
  previousUrl: string | null
  nextUrl: string | null
}

function pagination(path: string, page: number, total: number, perPage: number): Pagination {
  const pages = Math.max(1, Math.ceil(total / perPage))
  return {
    page,
    pages,
    previousUrl: page > 1 ? withPage(path, page - 1) : null,
    nextUrl: page < pages ? withPage(path, page + 1) : null,
  }
}

export default async function postsRoutes(app: FastifyInstance) {
  const ctx = (): ViewContext & { perPage: number } => {
    const s = app.settings.get()
    return { fmt: formatter(s.language, s.timezone), timeZone: s.timezone, perPage: s.postsPerPage }
  }

  /** Renders a paged list of posts, or 404 for a page past the end. */
  async function listPage(
    request: FastifyRequest,
    reply: FastifyReply,
    opts: {
      path: string
      count: (now: string) => Promise<number>
      list: (now: string, limit: number, offset: number) => Promise<repo.PostListRow[]>
      heading: string | null
      title: string
      description?: string
    },
  ) {
    const query = pageQuery.safeParse(request.query)
    if (!query.success) return reply.callNotFound()
    const { page } = query.data
    const c = ctx()
    const now = nowIso()
    // Counting walks an index over every matching post: kept until the next write or timed change.
    const total = await app.freshness.memo(`count ${opts.path}`, () => opts.count(now))
    const pager = pagination(opts.path, page, total, c.perPage)
    if (page > pager.pages) return reply.callNotFound()
    const rows = await opts.list(now, c.perPage, (page - 1) * c.perPage)
    const categories = await repo.categoriesOfPosts(app.db, rows.map((r) => r.id))
    return reply.page('posts/list', {
      title: page > 1 ? messages(app.settings.get().language).titleWithPage(opts.title, page) : opts.title,
      description: opts.description ?? app.settings.get().description,
      canonical: app.config.siteUrl + withPage(opts.path, page),
      heading: opts.heading,
      posts: rows.map((r) => toListItem(r, categories, c)),
      pagination: pager,
    })
  }

  app.get('/', async (request, reply) => {
    const s = app.settings.get()
    return listPage(request, reply, {
      path: '/',
      count: (now) => repo.countPublished(app.db, now),
      list: (now, limit, offset) => repo.listPublished(app.db, now, limit, offset),
      heading: null,
      title: s.title,
    })
  })

  app.get('/category/:slug', async (request, reply) => {
    const params = categoryParams.safeParse(request.params)
    if (!params.success) return reply.callNotFound()
    const category = await repo.findCategoryBySlug(app.db, params.data.slug)
    if (!category) return reply.callNotFound()
    const t = messages(app.settings.get().language)
    return listPage(request, reply, {
      path: categoryPath(category.slug),
      count: (now) => repo.countPublishedInCategory(app.db, now, category.id),
      list: (now, limit, offset) => repo.listPublishedInCategory(app.db, now, category.id, limit, offset),
      heading: t.categoryTitle(category.name),
      title: t.categoryTitle(category.name),
    })
  })

  app.get('/archive/:year/:month', async (request, reply) => {
    const params = monthParams.safeParse(request.params)
    if (!params.success) return reply.callNotFound()
    const { year, month } = params.data
    const c = ctx()
    const [from, to] = monthRange(year, month, c.timeZone)
    const t = messages(app.settings.get().language)
    const label = t.monthTitle(c.fmt.monthYear(year, month))
    return listPage(request, reply, {
      path: monthPath(year, month),
      count: (now) => repo.countPublishedInRange(app.db, now, from, to),
      list: (now, limit, offset) => repo.listPublishedInRange(app.db, now, from, to, limit, offset),
      heading: label,
      title: label,
    })
  })

  app.get('/archive/:year/:month/:day/:file', async (request, reply) => {
    const params = postParams.safeParse(request.params)
    if (!params.success) return reply.callNotFound()
    const slug = params.data.file.slice(0, -'.html'.length)
    const now = nowIso()
    const row = await repo.findPostBySlug(app.db, slug)
    if (!row || row.status !== 'published' || !row.published_at || row.published_at > now) return reply.callNotFound()
    const c = ctx()
    const canonicalPath = postPath(row, c.timeZone)
    // The date in the address is for people; the slug finds the post. A wrong date gets the right address.
    if (canonicalPath !== request.url.split('?')[0]) return reply.redirect(canonicalPath, 301)
    return reply.page('posts/show', await postPageData(app, row, c))
  })
}

/** Everything the post page shows; the comments feature renders the same page with a form's errors. */
export async function postPageData(app: FastifyInstance, row: repo.PostRow, c: ViewContext) {
  const now = nowIso()
  const [categories, tags, comments, around] = await Promise.all([
    repo.categoriesOfPosts(app.db, [row.id]),
    repo.tagsOfPost(app.db, row.id),
    repo.approvedComments(app.db, row.id),
    repo.neighbours(app.db, now, { id: row.id, published_at: row.published_at! }),
  ])
  const settings = app.settings.get()
  const post = toPostView(row, categories.get(row.id), tags, c, threadIsOpen(row, settings))
  return {
    title: row.title,
    description: row.excerpt,
    canonical: app.config.siteUrl + post.url,
    post,
    comments: commentTree(comments, c),
    previous: around.previous ? { title: around.previous.title, url: postPath(around.previous, c.timeZone) } : null,
    next: around.next ? { title: around.next.title, url: postPath(around.next, c.timeZone) } : null,
  }
}
