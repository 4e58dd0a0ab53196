// What a post page tells search engines and social sites: Open Graph, Twitter card and a schema.org
// BlogPosting in JSON-LD. Built here as data; views/seo/post-head.eta only prints it into the page's head block.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { PageData } from '../web/render.ts'

export interface PostMeta {
  /** `<meta property=… content=…>` pairs (Open Graph and its article: namespace). */
  openGraph: Array<[property: string, content: string]>
  /** `<meta name=… content=…>` pairs. */
  twitter: Array<[name: string, content: string]>
  /** The JSON-LD document, safe to print raw inside <script type="application/ld+json">. */
  jsonLd: string
}

/** The fields of a post page's view model that metadata uses. */
interface PostForMeta {
  url: string
  title: string
  excerpt: string
  publishedAt: string
  updatedAt: string
  signature: string
  categories: Array<{ name: string }>
  tags: string[]
}

const OG_LOCALES = { fr: 'fr_FR', en: 'en_US' } as const

/**
 * JSON for a `<script type="application/ld+json">` data block. Escaping `<` means no string in it can close
 * the element (`</script>`) or open a comment; U+2028/U+2029 are escaped for old JavaScript parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

export function postMeta(
  post: PostForMeta,
  site: { title: string; url: string },
  lang: 'fr' | 'en',
): PostMeta {
  const url = site.url + post.url
  const modified = post.updatedAt > post.publishedAt ? post.updatedAt : post.publishedAt
  const description = post.excerpt || post.title
  const author = post.signature
    ? { '@type': 'Person', name: post.signature }
    : { '@type': 'Organization', name: site.title, url: site.url }
  const jsonLd = {
    '@context': 'https://schema.org',
    '@type': 'BlogPosting',
    headline: post.title,
    description,
    url,
    mainEntityOfPage: { '@type': 'WebPage', '@id': url },
    datePublished: post.publishedAt,
    dateModified: modified,
    author,
    publisher: { '@type': 'Organization', name: site.title, url: site.url },
    inLanguage: lang,
    ...(post.categories.length ? { articleSection: post.categories.map((c) => c.name) } : {}),
    ...(post.tags.length ? { keywords: post.tags.join(', ') } : {}),
  }
  return {
    openGraph: [
      ['og:type', 'article'],
      ['og:site_name', site.title],
      ['og:locale', OG_LOCALES[lang]],
      ['og:title', post.title],
      ['og:description', description],
      ['og:url', url],
      ['article:published_time', post.publishedAt],
      ['article:modified_time', modified],
      ...post.categories.map((c): [string, string] => ['article:section', c.name]),
      ...post.tags.map((t): [string, string] => ['article:tag', t]),
    ],
    twitter: [
      ['twitter:card', 'summary'],
      ['twitter:title', post.title],
      ['twitter:description', description],
    ],
    jsonLd: jsonForScript(jsonLd),
  }
}

/** Adds `seo` to the data of every page that shows a post (the post page, and the same page with form errors). */
async function seoPlugin(app: FastifyInstance) {
  // A post's view model is shared by every request of a freshness generation (src/posts/posts.routes.ts): its
  // metadata is kept with it, per everything else postMeta reads.
  const metas = new WeakMap<PostForMeta, Map<string, PostMeta>>()
  app.pageDataHooks.push((request, data: PageData) => {
    const post = data.post as PostForMeta | undefined
    if (!post || typeof post.url !== 'string') return
    const key = `${data.lang} ${data.site.url} ${data.site.title}`
    let byKey = metas.get(post)
    if (!byKey) metas.set(post, (byKey = new Map()))
    let meta = byKey.get(key)
    if (!meta) byKey.set(key, (meta = postMeta(post, data.site, data.lang)))
    data.seo = meta
  })
}

export default fp(seoPlugin, { name: 'seo', dependencies: ['render'] })
