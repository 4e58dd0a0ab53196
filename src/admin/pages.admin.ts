// Static pages and the header's menu. Pages are written in the post editor (/admin/posts/new?kind=page): this
// lists them. The menu is arranged without JavaScript: one form per item (label, up, down, remove) and one per
// kind of item to add; a refused form comes back with its message beside the field and what was typed.
import type { FastifyInstance, FastifyReply } from 'fastify'
import { z } from 'zod'
import { messages } from '../i18n/index.ts'
import { categoryPath, pagePath } from '../lib/urls.ts'
import { isVisibleToReaders } from '../content/visibility.ts'
import { addMenuItem, allPages, menuRows, moveMenuItem, removeMenuItem, setMenuLabel } from '../pages/pages.repository.ts'
import { listCategories, listPosts } from './admin.repository.ts'
import { idParams, postListQuery } from './admin.schemas.ts'
import { audit } from './audit.ts'
import { adminContext } from './context.ts'
import { toAdminPostItem } from './view-models.ts'
import { pageOf, parsePosition } from './keyset.ts'

const PAGE_SIZE = 50
const LABEL_MAX = 100

/** A link the admin may add: a path on the blog (`/contact.html`) or an http(s) address. */
export function isMenuUrl(value: string): boolean {
  if (/[\s\u0000-\u001f\u007f\\]/.test(value) || value.length > 2000) return false
  if (value.startsWith('/')) return !value.startsWith('//') && URL.canParse(`http://site${value}`)
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
  } catch {
    return false
  }
}

const text = z.preprocess((v) => (typeof v === 'string' ? v : ''), z.string())
const addForm = z.object({
  type: z.enum(['page', 'category', 'archives', 'url']),
  postId: text,
  categoryId: text,
  url: text,
  label: text,
})
const itemForm = z.object({ op: z.enum(['label', 'up', 'down', 'remove']), label: text })

/** A refused form, as typed: which one (`add-<type>` or an item id), its values and its errors by field. */
interface MenuFormState {
  form: string
  values: Record<string, string>
  errors: Record<string, string>
}

export default async function pagesAdminRoutes(app: FastifyInstance) {
  app.get('/pages', { config: { permission: 'pages' } }, async (request, reply) => {
    const context = adminContext(app)
    const query = postListQuery.parse(request.query ?? {})
    const at = parsePosition(query.page)
    const page = pageOf(
      await listPosts(app.db, context.now, query.state ?? null, PAGE_SIZE + 1, at, null, 'page'),
      PAGE_SIZE,
      at,
      (r) => ({ key: r.order_key, id: r.id }),
      (position) => (position ? `/admin/pages?page=${encodeURIComponent(position)}` : '/admin/pages'),
    )
    const t = messages(context.settings.language).pages
    return reply.adminPage('admin/pages', {
      heading: t.pages,
      pages: page.rows.map((r) => toAdminPostItem(r, context)),
      pager: page.pager,
      notice: query.done === 'deleted' ? t.pageDeleted : null,
    })
  })

  async function menuPage(reply: FastifyReply, refused: MenuFormState | null, notice: string | null) {
    const context = adminContext(app)
    const t = messages(context.settings.language).pages
    const [rows, pages, categories] = await Promise.all([menuRows(app.db), allPages(app.db), listCategories(app.db)])
    const items = rows.map((r) => {
      const named =
        r.type === 'page'
          ? { what: r.page_title ?? '', url: r.page_slug ? pagePath(r.page_slug) : '' }
          : r.type === 'category'
            ? { what: r.category_name ?? '', url: r.category_slug ? categoryPath(r.category_slug) : '' }
            : r.type === 'archives'
              ? { what: messages(context.settings.language).archives, url: '/archive' }
              : { what: r.url ?? '', url: r.url ?? '' }
      const draft =
        r.type === 'page' && !isVisibleToReaders({ status: r.page_status ?? 'draft', published_at: r.page_published_at }, context.now)
      return { id: r.id, type: t.itemType[r.type] ?? r.type, label: r.label, ...named, draft }
    })
    return reply.code(refused ? 400 : 200).adminPage('admin/menu', {
      heading: t.menuHeading,
      items,
      pages: pages.map((p) => ({ id: p.id, title: p.title })),
      categories: categories.map((c) => ({ id: c.id, name: c.name })),
      refused,
      notice,
    })
  }

  app.get('/menu', { config: { permission: 'settings' } }, async (request, reply) => {
    const done = (request.query as Record<string, unknown>).done
    return menuPage(reply, null, done === 'saved' ? messages(app.settings.get().language).pages.menuSaved : null)
  })

  app.post('/menu/add', { config: { permission: 'settings' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const t = messages(app.settings.get().language).pages
    const parsed = addForm.safeParse(request.body ?? {})
    if (!parsed.success) return menuPage(reply, { form: 'add', values: {}, errors: { type: t.noChoice } }, null)
    const f = parsed.data
    const label = f.label.normalize('NFC').trim()
    const values = { postId: f.postId, categoryId: f.categoryId, url: f.url, label: f.label }
    const refuse = (errors: Record<string, string>) => menuPage(reply, { form: `add-${f.type}`, values, errors }, null)
    const errors: Record<string, string> = {}
    if (label.length > LABEL_MAX) errors.label = t.labelTooLong
    let item: Parameters<typeof addMenuItem>[1]
    if (f.type === 'page') {
      const id = Number(f.postId)
      const page = (await allPages(app.db)).find((p) => p.id === id)
      if (!page) errors.postId = t.noChoice
      item = { type: 'page', postId: id, label }
    } else if (f.type === 'category') {
      const id = Number(f.categoryId)
      if (!(await listCategories(app.db)).some((c) => c.id === id)) errors.categoryId = t.noChoice
      item = { type: 'category', categoryId: id, label }
    } else if (f.type === 'archives') {
      item = { type: 'archives', label }
    } else {
      const url = f.url.trim()
      if (!isMenuUrl(url)) errors.url = t.urlInvalid
      if (!label && !errors.label) errors.label = t.urlLabelRequired
      item = { type: 'url', url, label }
    }
    if (Object.keys(errors).length > 0) return refuse(errors)
    const id = await addMenuItem(app.db, item)
    await audit(app.db, request.admin!, 'menu.add', `menu ${id}`, { type: f.type, label })
    return reply.redirect('/admin/menu?done=saved', 303)
  })

  app.post('/menu/:id', { config: { permission: 'settings' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const params = idParams.safeParse(request.params)
    const rows = await menuRows(app.db)
    const row = params.success ? rows.find((r) => r.id === params.data.id) : undefined
    if (!row) return reply.callNotFound()
    const t = messages(app.settings.get().language).pages
    const parsed = itemForm.safeParse(request.body ?? {})
    if (!parsed.success) return menuPage(reply, { form: String(row.id), values: {}, errors: { label: t.noChoice } }, null)
    const { op } = parsed.data
    if (op === 'label') {
      const label = parsed.data.label.normalize('NFC').trim()
      const errors: Record<string, string> = {}
      if (label.length > LABEL_MAX) errors.label = t.labelTooLong
      if (!label && row.type === 'url') errors.label = t.urlLabelRequired
      if (Object.keys(errors).length > 0)
        return menuPage(reply, { form: String(row.id), values: { label: parsed.data.label }, errors }, null)
      await setMenuLabel(app.db, row.id, label)
    } else if (op === 'remove') {
      await removeMenuItem(app.db, row.id)
    } else {
      // The first item's "up" (the last's "down") changes nothing: the menu as it is.
      await moveMenuItem(app.db, row.id, op)
    }
    await audit(app.db, request.admin!, `menu.${op}`, `menu ${row.id}`, {})
    return reply.redirect(`/admin/menu?done=saved#menu-item-${row.id}`, 303)
  })
}
