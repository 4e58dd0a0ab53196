// The look on every public page: the design's stylesheet and the custom one, each at an address that holds its
// content's hash (kept a year by browsers; a change gives a new address, which the pages name at once since
// they are rebuilt at any settings change, on every instance), the logo and the favicon's sizes.
import { join } from 'node:path'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Settings } from '../settings/settings.ts'
import { designSchema, type LookImage } from '../settings/look.ts'
import { contentHash, designCss, isDefaultDesign } from './design.ts'
import { makeIcons, type Icons } from './icons.ts'

/** What the layout reads (views/partials/look-head.eta, the header's logo). */
export interface LookView {
  designHref: string | null
  customHref: string | null
  logo: { src: string; width: number; height: number } | null
  icons: { icon: string; apple: string } | null
}

declare module '../http/view.ts' {
  interface PageFields {
    look: LookView
  }
}

interface LookState {
  view: LookView
  designCss: string
  designHash: string
  customHash: string
  iconsHash: string | null
  favicon: LookImage
}

/** The version of the icons' recipe: a change to makeIcons() gives them new addresses. */
const ICONS_RECIPE = '1'

export function lookState(settings: Readonly<Settings>): LookState {
  const css = designCss(settings.design)
  const designHash = contentHash(css)
  const customHash = contentHash(settings.customCss)
  const favicon = settings.favicon
  const iconsHash = favicon ? contentHash(`${favicon.name}/${ICONS_RECIPE}`) : null
  return {
    view: {
      designHref: isDefaultDesign(settings.design) ? null : `/look/design-${designHash}.css`,
      customHref: settings.customCss.trim() === '' ? null : `/look/custom-${customHash}.css`,
      logo: settings.logo ? { src: `/media/${settings.logo.name}`, width: settings.logo.width, height: settings.logo.height } : null,
      icons: iconsHash ? { icon: `/look/icon-${iconsHash}.png`, apple: `/look/apple-touch-icon-${iconsHash}.png` } : null,
    },
    designCss: css,
    designHash,
    customHash,
    iconsHash,
    favicon,
  }
}

const IMMUTABLE = 'public, max-age=31536000, immutable'

/** A proposed design's stylesheet, made from its address (the Appearance screen's preview). */
export const PREVIEW_CSS = '/look/preview.css'

async function lookPlugin(app: FastifyInstance) {
  // One state per settings object: the settings are replaced as a whole by any change (SettingsStore).
  const states = new WeakMap<object, LookState>()
  const current = (): LookState => {
    const settings = app.settings.get()
    let state = states.get(settings)
    if (!state) states.set(settings, (state = lookState(settings)))
    return state
  }
  app.decorate('lookView', () => current().view)
  app.pageDataHooks.push((_request, data) => {
    data.look ??= current().view
  })

  // The icons of the favicon in use (one image: the last one asked for).
  let icons: { name: string; made: Promise<Icons> } | undefined
  const iconsOf = (favicon: NonNullable<LookImage>): Promise<Icons> => {
    if (icons?.name !== favicon.name) {
      const made = makeIcons(join(app.media.dir, favicon.name))
      icons = { name: favicon.name, made }
      made.catch(() => icons?.made === made && (icons = undefined))
    }
    return icons.made
  }

  const css = (reply: FastifyReply, text: string) => reply.header('cache-control', IMMUTABLE).type('text/css; charset=utf-8').send(text)

  // An address whose hash is not the current one's is a 404: its content is gone, and serving today's under it
  // would let a cache keep the wrong one for a year.
  app.get<{ Params: { hash: string } }>('/look/design-:hash.css', (request, reply) => {
    const state = current()
    if (request.params.hash !== state.designHash) return reply.callNotFound()
    return css(reply, state.designCss)
  })
  app.get<{ Params: { hash: string } }>('/look/custom-:hash.css', (request, reply) => {
    const state = current()
    if (request.params.hash !== state.customHash || !state.view.customHref) return reply.callNotFound()
    return css(reply, app.settings.get().customCss)
  })

  // The preview's: every value checked (colours, names from the lists), so nothing but a design can come out;
  // kept by nobody, it is made per request.
  app.get(PREVIEW_CSS, (request, reply) => {
    const parsed = designSchema.safeParse(request.query)
    if (!parsed.success) return reply.code(400).type('text/plain; charset=utf-8').send('invalid design')
    return reply.header('cache-control', 'no-store').type('text/css; charset=utf-8').send(designCss(parsed.data))
  })

  const icon = (kind: 'icon' | 'apple') => async (request: FastifyRequest<{ Params: { hash: string } }>, reply: FastifyReply) => {
    const state = current()
    if (!state.favicon || request.params.hash !== state.iconsHash) return reply.callNotFound()
    const made = await iconsOf(state.favicon).catch((err: unknown) => {
      request.log.warn({ err }, 'look: the favicon could not be made')
      return null
    })
    if (!made) return reply.callNotFound()
    return reply.header('cache-control', IMMUTABLE).type('image/png').send(made[kind])
  }
  app.get('/look/icon-:hash.png', icon('icon'))
  app.get('/look/apple-touch-icon-:hash.png', icon('apple'))

  // /favicon.ico, which browsers and feed readers ask for whatever the page says: the chosen favicon's, else
  // Carnet's own file (src/http/static.ts, whose cache header it gets too).
  app.addHook('onRequest', async (request, reply) => {
    if (request.url !== '/favicon.ico' || (request.method !== 'GET' && request.method !== 'HEAD')) return
    const favicon = current().favicon
    if (!favicon) return
    // An image gone from the library (or unreadable): Carnet's own favicon rather than an error.
    const made = await iconsOf(favicon).catch((err: unknown) => {
      request.log.warn({ err }, 'look: the favicon could not be made')
      return null
    })
    if (!made) return
    return reply.header('cache-control', 'public, max-age=3600').type('image/x-icon').send(made.ico)
  })
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The look's addresses for the current settings. */
    lookView(): LookView
  }
}

export default fp(lookPlugin, { name: 'look', dependencies: ['settings', 'render', 'media', 'static'] })
