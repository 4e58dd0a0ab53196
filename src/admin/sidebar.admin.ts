// The Sidebar and Links screens: blocks and blogroll links added, edited, moved up or down and removed, each
// with a plain form (no JavaScript). A form names its block or link by id, not by position: a page left open
// while the list changed cannot move or remove the wrong one. Every change goes through app.settings.update(),
// which every instance and cache sees at its next request.
import { randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyReply } from 'fastify'
import {
  isLinkUrl,
  LINK_DESCRIPTION_MAX,
  LINK_NAME_MAX,
  LINKS_MAX,
  SIDEBAR_BLOCK_TYPES,
  SIDEBAR_MAX_BLOCKS,
  TEXT_BLOCK_MAX,
  TEXT_BLOCK_TITLE_MAX,
  type BlogLink,
  type SidebarBlock,
} from '../settings/look.ts'
import { audit } from './audit.ts'
import { messages, type Messages } from '../i18n/index.ts'

type Body = Record<string, unknown>
type Errors = Record<string, string>
type LookMessages = Messages['look']

const str = (body: Body, key: string): string => (typeof body[key] === 'string' ? (body[key] as string) : '')
// Starts with a letter: it is part of element ids on the admin's pages.
const newId = () => `k${randomBytes(5).toString('hex')}`

/** Moves the item with this id one place up or down; the list unchanged at either end. */
export function moved<T extends { id: string }>(list: readonly T[], id: string, by: -1 | 1): T[] {
  const i = list.findIndex((x) => x.id === id)
  const j = i + by
  if (i < 0 || j < 0 || j >= list.length) return [...list]
  const next = [...list]
  ;[next[i], next[j]] = [next[j]!, next[i]!]
  return next
}

/** A text block's fields as typed, checked; `errors` keyed by field. */
function textFields(body: Body, look: LookMessages) {
  const title = str(body, 'title').trim()
  const markdown = str(body, 'markdown').replace(/\r\n?/g, '\n')
  const errors: Errors = {}
  if (title.length > TEXT_BLOCK_TITLE_MAX) errors.title = look.titleTooLong(TEXT_BLOCK_TITLE_MAX)
  if (markdown.trim() === '') errors.markdown = look.textRequired
  else if (markdown.length > TEXT_BLOCK_MAX) errors.markdown = look.textTooLong(TEXT_BLOCK_MAX)
  return { title, markdown, errors }
}

/** A link's fields as typed, checked. */
function linkFields(body: Body, look: LookMessages) {
  const name = str(body, 'name').trim()
  const url = str(body, 'url').trim()
  const description = str(body, 'description').trim()
  const errors: Errors = {}
  if (name === '' || name.length > LINK_NAME_MAX) errors.name = look.invalidLinkName(LINK_NAME_MAX)
  if (!isLinkUrl(url)) errors.url = look.invalidLinkUrl
  if (description.length > LINK_DESCRIPTION_MAX) errors.description = look.invalidLinkDescription(LINK_DESCRIPTION_MAX)
  return { name, url, description, errors }
}

export default async function sidebarRoutes(app: FastifyInstance) {
  const lookMessages = () => messages(app.settings.get().language).look

  // ---- Sidebar ----

  interface SidebarForm {
    /** 'new' or a text block's id: the form shown with what was typed and its errors. */
    id: string
    type?: string
    title: string
    markdown: string
    errors: Errors
  }

  const sidebarPage = (reply: FastifyReply, options: { notice?: string | null; error?: string | null; form?: SidebarForm } = {}) => {
    const look = lookMessages()
    const blocks = app.settings.get().sidebarBlocks
    const present = new Set(blocks.map((b) => b.type))
    return reply.adminPage('admin/sidebar', {
      heading: look.navSidebar,
      blocks,
      // What may be added: each block not shown yet, and free text (as many as wanted).
      addable: SIDEBAR_BLOCK_TYPES.filter((type) => type === 'text' || !present.has(type)),
      notice: options.notice ?? null,
      error: options.error ?? null,
      form: options.form ?? null,
    })
  }

  app.get('/sidebar', { config: { permission: 'settings' } }, async (request, reply) => {
    const done = (request.query as Record<string, unknown>).done === 'saved'
    return sidebarPage(reply, { notice: done ? lookMessages().sidebarSaved : null })
  })

  app.post('/sidebar', { config: { permission: 'settings' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const look = lookMessages()
    const body = (request.body ?? {}) as Body
    const blocks = app.settings.get().sidebarBlocks
    const action = str(body, 'action')
    const id = str(body, 'id')
    const found = blocks.find((b) => b.id === id)
    let next: SidebarBlock[]
    if (action === 'add') {
      const type = str(body, 'type')
      const form: SidebarForm = { id: 'new', type, title: str(body, 'title'), markdown: str(body, 'markdown'), errors: {} }
      if (!(SIDEBAR_BLOCK_TYPES as readonly string[]).includes(type)) form.errors.type = look.invalidChoice
      else if (type !== 'text' && blocks.some((b) => b.type === type)) form.errors.type = look.blockTwice
      else if (blocks.length >= SIDEBAR_MAX_BLOCKS) form.errors.type = look.tooManyBlocks(SIDEBAR_MAX_BLOCKS)
      let block: SidebarBlock | undefined
      if (type === 'text') {
        const text = textFields(body, look)
        Object.assign(form.errors, text.errors)
        block = { id: newId(), type: 'text', title: text.title, markdown: text.markdown }
      } else if (!form.errors.type) {
        block = { id: newId(), type: type as Exclude<SidebarBlock['type'], 'text'> }
      }
      if (Object.keys(form.errors).length > 0 || !block) return sidebarPage(reply.code(400), { form })
      next = [...blocks, block]
    } else if (!found) {
      // A block removed meanwhile (another tab, another admin): nothing to do, and said so.
      return sidebarPage(reply.code(409), { error: look.blockGone })
    } else if (action === 'up' || action === 'down') {
      next = moved(blocks, id, action === 'up' ? -1 : 1)
    } else if (action === 'remove') {
      next = blocks.filter((b) => b.id !== id)
    } else if (action === 'edit' && found.type === 'text') {
      const text = textFields(body, look)
      if (Object.keys(text.errors).length > 0) {
        return sidebarPage(reply.code(400), {
          form: { id, title: str(body, 'title'), markdown: str(body, 'markdown'), errors: text.errors },
        })
      }
      next = blocks.map((b) => (b.id === id ? { ...b, title: text.title, markdown: text.markdown } : b))
    } else {
      return sidebarPage(reply.code(400), { error: look.invalidChoice })
    }
    await app.settings.update({ sidebarBlocks: next })
    await audit(app.db, request.admin!, 'look.sidebar', action, { blocks: next.map((b) => b.type) })
    return reply.redirect('/admin/sidebar?done=saved', 303)
  })

  // ---- Links (the blogroll) ----

  interface LinkForm {
    id: string
    name: string
    url: string
    description: string
    errors: Errors
  }

  const linksPage = (reply: FastifyReply, options: { notice?: string | null; error?: string | null; form?: LinkForm } = {}) =>
    reply.adminPage('admin/links', {
      heading: lookMessages().navLinks,
      links: app.settings.get().links,
      showsLinks: app.settings.get().sidebarBlocks.some((b) => b.type === 'links'),
      notice: options.notice ?? null,
      error: options.error ?? null,
      form: options.form ?? null,
    })

  app.get('/links', { config: { permission: 'settings' } }, async (request, reply) => {
    const done = (request.query as Record<string, unknown>).done === 'saved'
    return linksPage(reply, { notice: done ? lookMessages().linksSaved : null })
  })

  app.post('/links', { config: { permission: 'settings' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const look = lookMessages()
    const body = (request.body ?? {}) as Body
    const links = app.settings.get().links
    const action = str(body, 'action')
    const id = str(body, 'id')
    const found = links.find((l) => l.id === id)
    const typed = (formId: string): LinkForm => ({
      id: formId,
      name: str(body, 'name'),
      url: str(body, 'url'),
      description: str(body, 'description'),
      errors: {},
    })
    let next: BlogLink[]
    if (action === 'add' || (action === 'edit' && found)) {
      const fields = linkFields(body, look)
      const form = { ...typed(action === 'add' ? 'new' : id), errors: fields.errors }
      if (action === 'add' && links.length >= LINKS_MAX) form.errors.name = look.tooManyLinks(LINKS_MAX)
      if (Object.keys(form.errors).length > 0) return linksPage(reply.code(400), { form })
      const link = { id: action === 'add' ? newId() : id, name: fields.name, url: fields.url, description: fields.description }
      next = action === 'add' ? [...links, link] : links.map((l) => (l.id === id ? link : l))
    } else if (!found) {
      return linksPage(reply.code(409), { error: look.linkGone })
    } else if (action === 'up' || action === 'down') {
      next = moved(links, id, action === 'up' ? -1 : 1)
    } else if (action === 'remove') {
      next = links.filter((l) => l.id !== id)
    } else {
      return linksPage(reply.code(400), { error: look.invalidChoice })
    }
    await app.settings.update({ links: next })
    await audit(app.db, request.admin!, 'look.links', action, { count: next.length })
    return reply.redirect('/admin/links?done=saved', 303)
  })
}
