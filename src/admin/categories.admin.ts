// Categories: create, rename (name and slug), delete. Deleting one leaves its posts in their other categories.
import type { FastifyInstance, FastifyReply } from 'fastify'
import { slugify } from '../lib/slug.ts'
import { categorySlugTaken, createCategory, deleteCategory, renameCategory, uniqueCategorySlug } from '../content/posts.write.ts'
import { findCategoryById, listCategories } from './admin.repository.ts'
import { categoryForm, idParams } from './admin.schemas.ts'
import { audit } from './audit.ts'
import { adminContext } from './context.ts'

interface CategoryFormState {
  /** Which form the values and errors belong to: 'new', or a category id. */
  id: 'new' | number
  name: string
  slug: string
  errors: { name?: string; slug?: string }
}

export default async function categoriesRoutes(app: FastifyInstance) {
  async function page(reply: FastifyReply, form: CategoryFormState | null, notice: string | null) {
    const context = adminContext(app)
    const rows = await listCategories(app.db)
    return reply.adminPage('admin/categories', {
      heading: context.t.categories,
      categories: rows.map((r) => ({
        id: r.id,
        name: r.name,
        slug: r.slug,
        postCount: Number(r.post_count),
        url: `/category/${encodeURIComponent(r.slug)}`,
      })),
      form,
      notice,
    })
  }

  /** Validates a name and a wanted slug (blank: from the name); returns errors or the clean pair. */
  async function validate(body: unknown, exceptId?: number) {
    const t = adminContext(app).t
    const raw = categoryForm.parse(body ?? {})
    const name = raw.name.normalize('NFC').trim()
    const errors: CategoryFormState['errors'] = {}
    if (name.length < 1 || name.length > 100) errors.name = t.categoryNameRequired
    let slug = ''
    if (raw.slug.trim() !== '') {
      slug = slugify(raw.slug)
      if (!slug) errors.slug = t.slugInvalid
      else if (await categorySlugTaken(app.db, slug, exceptId)) errors.slug = t.categorySlugTaken
    } else if (!errors.name) {
      slug = await uniqueCategorySlug(app.db, name, exceptId)
    }
    return { raw, name, slug, errors }
  }

  app.get('/categories', { config: { permission: 'categories' } }, async (request, reply) => {
    const done = (request.query as Record<string, unknown>).done
    const t = adminContext(app).t
    return page(reply, null, done === 'saved' ? t.categorySaved : done === 'deleted' ? t.categoryDeleted : null)
  })

  app.post('/categories', { config: { permission: 'categories' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const v = await validate(request.body)
    if (Object.keys(v.errors).length > 0) {
      return page(reply.code(400), { id: 'new', name: v.raw.name, slug: v.raw.slug, errors: v.errors }, null)
    }
    const id = await createCategory(app.db, v.name, v.slug)
    await audit(app.db, request.admin!, 'category.create', `category ${id}`, { name: v.name, slug: v.slug })
    return reply.redirect('/admin/categories?done=saved', 303)
  })

  app.post('/categories/:id', { config: { permission: 'categories' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const params = idParams.safeParse(request.params)
    const category = params.success ? await findCategoryById(app.db, params.data.id) : undefined
    if (!category) return reply.callNotFound()
    const v = await validate(request.body, category.id)
    if (Object.keys(v.errors).length > 0) {
      return page(reply.code(400), { id: category.id, name: v.raw.name, slug: v.raw.slug, errors: v.errors }, null)
    }
    await renameCategory(app.db, category.id, v.name, v.slug)
    await audit(app.db, request.admin!, 'category.rename', `category ${category.id}`, {
      from: `${category.name} (${category.slug})`,
      to: `${v.name} (${v.slug})`,
    })
    return reply.redirect('/admin/categories?done=saved', 303)
  })

  app.post('/categories/:id/delete', { config: { permission: 'categories' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const params = idParams.safeParse(request.params)
    const category = params.success ? await findCategoryById(app.db, params.data.id) : undefined
    if (!category) return reply.callNotFound()
    await deleteCategory(app.db, category.id)
    await audit(app.db, request.admin!, 'category.delete', `category ${category.id}`, { name: category.name })
    return reply.redirect('/admin/categories?done=deleted', 303)
  })
}
