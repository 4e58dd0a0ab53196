// The Appearance screen: the design (accent colours, fonts, width, light or dark), previewed before it is saved;
// the custom stylesheet; the logo and favicon from the media library. Each form is checked on the server; a
// refused one comes back as typed, with its messages beside the fields, and changes nothing.
import type { FastifyInstance, FastifyReply } from 'fastify'
import { messages, type Messages } from '../i18n/index.ts'
import { PREVIEW_CSS } from '../look/look.plugin.ts'
import {
  CUSTOM_CSS_MAX_BYTES,
  DARK_BACKGROUNDS,
  designSchema,
  FONT_KEYS,
  LIGHT_BACKGROUNDS,
  MIN_CONTRAST,
  MODES,
  WIDTH_KEYS,
  worstContrast,
  type Design,
  type LookImage,
} from '../settings/look.ts'
import { audit } from './audit.ts'

type Body = Record<string, unknown>
type Errors = Record<string, string>
type LookMessages = Messages['look']

const str = (body: Body, key: string): string => (typeof body[key] === 'string' ? (body[key] as string) : '')
const DESIGN_FIELDS = ['accent', 'accentDark', 'bodyFont', 'headingFont', 'width', 'mode'] as const

/** The ratio shown beside a colour field: "3.21". */
const ratioText = (ratio: number, lang: 'fr' | 'en') =>
  ratio.toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })

/**
 * Checks a design as typed: each field, then each colour's contrast against the backgrounds it will sit on (the
 * dark accent only when dark can be shown). Returns the design, or the messages by field.
 */
export function checkDesign(
  body: Body,
  look: LookMessages,
  lang: 'fr' | 'en',
): { design: Design; errors: null; ratios: Record<string, string> } | { design: null; errors: Errors; ratios: Record<string, string> } {
  const values = Object.fromEntries(DESIGN_FIELDS.map((k) => [k, str(body, k).trim().toLowerCase()]))
  const errors: Errors = {}
  const ratios: Record<string, string> = {}
  // Each field through its own zod schema (src/settings/look.ts): every wrong field is named, not only the first.
  for (const k of DESIGN_FIELDS) {
    if (!designSchema.shape[k].safeParse(values[k]).success) errors[k] = k.startsWith('accent') ? look.invalidColour : look.invalidChoice
  }
  const min = ratioText(MIN_CONTRAST, lang).replace(/[,.]?0+$/, '')
  const checkContrast = (field: 'accent' | 'accentDark', backgrounds: Record<string, string>) => {
    if (errors[field]) return
    const ratio = worstContrast(values[field]!, backgrounds)
    ratios[field] = ratioText(ratio, lang)
    if (ratio < MIN_CONTRAST) errors[field] = look.contrastRefused(ratios[field], min)
  }
  checkContrast('accent', LIGHT_BACKGROUNDS)
  if (values.mode !== 'light') checkContrast('accentDark', DARK_BACKGROUNDS)
  if (Object.keys(errors).length > 0) return { design: null, errors, ratios }
  return { design: designSchema.parse(values), errors: null, ratios }
}

/** Why a custom stylesheet is refused, or null. */
export function customCssProblem(css: string, look: LookMessages, lang: 'fr' | 'en'): string | null {
  const bytes = Buffer.byteLength(css)
  if (bytes > CUSTOM_CSS_MAX_BYTES) {
    const kb = (bytes / 1024).toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-US', { maximumFractionDigits: 1 })
    return look.customCssTooBig(kb, CUSTOM_CSS_MAX_BYTES / 1024)
  }
  // @import would fetch another stylesheet (another origin's is blocked by the CSP anyway: refused here with a
  // reason rather than failing silently in readers' browsers). `@\69mport` is the same at-rule, escaped.
  if (/@(?:\\|import)/i.test(css)) return look.customCssImport
  return null
}

export default async function appearanceRoutes(app: FastifyInstance) {
  const lang = () => app.settings.get().language
  const lookMessages = () => messages(lang()).look

  interface PageOptions {
    notice?: string | null
    design?: { values: Record<string, string>; errors: Errors; ratios: Record<string, string> }
    css?: { value: string; error: string }
    images?: { values: Record<string, string>; errors: Errors }
  }

  const mediaChoices = () =>
    app.db
      .selectFrom('media')
      .select(['id', 'name', 'alt', 'width', 'height'])
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(500)
      .execute()

  const page = async (reply: FastifyReply, options: PageOptions = {}) => {
    const settings = app.settings.get()
    const current = Object.fromEntries(DESIGN_FIELDS.map((k) => [k, settings.design[k]]))
    const hasErrors = Boolean(
      (options.design && Object.keys(options.design.errors).length) ||
      options.css?.error ||
      (options.images && Object.keys(options.images.errors).length),
    )
    return reply.adminPage('admin/appearance', {
      heading: lookMessages().navAppearance,
      notice: options.notice ?? null,
      hasErrors,
      design: options.design ?? { values: current, errors: {}, ratios: {} },
      fonts: FONT_KEYS,
      widths: WIDTH_KEYS,
      modes: MODES,
      css: options.css ?? { value: settings.customCss, error: '' },
      cssMaxKb: CUSTOM_CSS_MAX_BYTES / 1024,
      images: options.images ?? {
        values: { logo: String(settings.logo?.id ?? ''), favicon: String(settings.favicon?.id ?? '') },
        errors: {},
      },
      media: await mediaChoices(),
    })
  }

  const notices: Record<string, (l: LookMessages) => string> = {
    design: (l) => l.designSaved,
    css: (l) => l.customCssSaved,
    images: (l) => l.imagesSaved,
  }

  app.get('/appearance', { config: { permission: 'settings' } }, async (request, reply) => {
    const done = String((request.query as Record<string, unknown>).done ?? '')
    return page(reply, { notice: notices[done]?.(lookMessages()) ?? null })
  })

  // Preview, save, or back to the form from the preview: one form, its button says which.
  app.post('/appearance/design', { config: { permission: 'settings' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const look = lookMessages()
    const body = (request.body ?? {}) as Body
    // As typed; colours as a colour field holds them (#rrggbb in lower case).
    const values = Object.fromEntries(
      DESIGN_FIELDS.map((k) => [k, k.startsWith('accent') ? str(body, k).trim().toLowerCase() : str(body, k)]),
    )
    const checked = checkDesign(body, look, lang())
    const action = str(body, 'action')
    if (!checked.design) return page(reply.code(400), { design: { values, errors: checked.errors, ratios: checked.ratios } })
    if (action === 'edit') return page(reply, { design: { values, errors: {}, ratios: checked.ratios } })
    if (action === 'preview') {
      // The public layout with the proposed stylesheet (made from the address: nothing public changes) and a form
      // carrying the values to save them, or to go back to them.
      const query = new URLSearchParams(Object.entries(checked.design)).toString()
      const current = app.lookView()
      return reply.page('admin/appearance-preview', {
        title: look.previewHeading,
        noindex: true,
        csrf: reply.generateCsrf(),
        look: { ...current, designHref: `${PREVIEW_CSS}?${query}` },
        design: checked.design,
      })
    }
    const before = app.settings.get().design
    await app.settings.update({ design: checked.design })
    await audit(app.db, request.admin!, 'look.design', '', { before, after: checked.design })
    return reply.redirect('/admin/appearance?done=design', 303)
  })

  // A form body up to four times the cap: a stylesheet too big gets its message and is kept, not a bare 413.
  app.post(
    '/appearance/css',
    { config: { permission: 'settings' }, preHandler: app.csrfProtection, bodyLimit: 4 * CUSTOM_CSS_MAX_BYTES },
    async (request, reply) => {
      const look = lookMessages()
      const body = (request.body ?? {}) as Body
      const css = str(body, 'customCss').replace(/\r\n?/g, '\n')
      const problem = customCssProblem(css, look, lang())
      if (problem) return page(reply.code(400), { css: { value: css, error: problem } })
      await app.settings.update({ customCss: css })
      await audit(app.db, request.admin!, 'look.css', '', { bytes: Buffer.byteLength(css) })
      return reply.redirect('/admin/appearance?done=css', 303)
    },
  )

  app.post('/appearance/images', { config: { permission: 'settings' }, preHandler: app.csrfProtection }, async (request, reply) => {
    const look = lookMessages()
    const body = (request.body ?? {}) as Body
    const values = { logo: str(body, 'logo'), favicon: str(body, 'favicon') }
    const errors: Errors = {}
    const chosen: Record<'logo' | 'favicon', LookImage> = { logo: null, favicon: null }
    for (const field of ['logo', 'favicon'] as const) {
      const raw = values[field]
      if (raw === '') continue
      const row = /^\d{1,9}$/.test(raw)
        ? await app.db.selectFrom('media').select(['id', 'name', 'width', 'height']).where('id', '=', Number(raw)).executeTakeFirst()
        : undefined
      if (!row) errors[field] = look.invalidImage
      else chosen[field] = { id: row.id, name: row.name, width: row.width, height: row.height }
    }
    if (Object.keys(errors).length > 0) return page(reply.code(400), { images: { values, errors } })
    await app.settings.update(chosen)
    await audit(app.db, request.admin!, 'look.images', '', { logo: chosen.logo?.id ?? null, favicon: chosen.favicon?.id ?? null })
    return reply.redirect('/admin/appearance?done=images', 303)
  })
}
