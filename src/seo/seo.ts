// What a post page tells search engines and social sites: Open Graph, Twitter card and a schema.org
// BlogPosting in JSON-LD. Built here as data; views/seo/post-head.eta only prints it into the page's head block.
// The image a link preview shows is the post's first image, else the site image of the settings; a post with
// neither says nothing (no og:image, no twitter:image, no JSON-LD image) rather than something wrong. The author is
// the post's writer with their page (/author/<slug>) when the byline shows them; else the signature (free text)
// with the blog's home page.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import sanitizeHtml from 'sanitize-html'
import { absoluteUrl, type UrlBase } from '../lib/absolute-urls.ts'
import { keptWith } from '../cache/kept-with.ts'

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
  /** The post's HTML, where its first image is found. */
  bodyHtml: string
  /** Its writer, when the byline shows them. */
  author?: { name: string; url: string } | null
  /** A static page (/<slug>.html): a WebPage of the blog, not a dated BlogPosting. */
  isPage?: boolean
}

export interface SiteForMeta {
  title: string
  /** SITE_URL, without a trailing slash. */
  url: string
  /** The site image of the settings, as typed there ('' for none): an absolute URL or a path on the site. */
  image: string
}

export interface MetaImage {
  url: string
  alt: string
}

/** The first image of some HTML whose address is (or resolves to) an http(s) one, read with a real HTML parser. */
export function firstImage(html: string, base: UrlBase): MetaImage | null {
  let found: MetaImage | null = null
  sanitizeHtml(html, {
    allowedTags: [],
    allowedAttributes: {},
    transformTags: {
      img: (tagName, attribs) => {
        const url = found || !attribs.src ? null : absoluteUrl(attribs.src, base)
        if (url) found = { url, alt: (attribs.alt ?? '').trim() }
        return { tagName, attribs }
      },
    },
  })
  return found
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

export function postMeta(post: PostForMeta, site: SiteForMeta, lang: 'fr' | 'en'): PostMeta {
  const url = site.url + post.url
  const home = `${site.url}/`
  const modified = post.updatedAt > post.publishedAt ? post.updatedAt : post.publishedAt
  const description = post.excerpt || post.title
  const siteImage = absoluteUrl(site.image, { site: site.url, page: home })
  const image: MetaImage | null =
    firstImage(post.bodyHtml, { site: site.url, page: url }) ?? (siteImage ? { url: siteImage, alt: '' } : null)
  const author = post.author
    ? { '@type': 'Person', name: post.author.name, url: site.url + post.author.url }
    : post.signature
      ? { '@type': 'Person', name: post.signature, url: home }
      : { '@type': 'Organization', name: site.title, url: home }
  const publisher = {
    '@type': 'Organization',
    name: site.title,
    url: home,
    ...(siteImage ? { logo: { '@type': 'ImageObject', url: siteImage } } : {}),
  }
  if (post.isPage) return pageMeta(post, site, lang, { url, home, modified, description, image, publisher })
  const jsonLd = {
    '@context': 'https://schema.org',
    '@type': 'BlogPosting',
    headline: post.title,
    description,
    url,
    mainEntityOfPage: { '@type': 'WebPage', '@id': url },
    datePublished: post.publishedAt,
    dateModified: modified,
    ...(image ? { image: [image.url] } : {}),
    author,
    publisher,
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
      ...(image ? [['og:image', image.url] as [string, string]] : []),
      ...(image?.alt ? [['og:image:alt', image.alt] as [string, string]] : []),
      ['article:published_time', post.publishedAt],
      ['article:modified_time', modified],
      ...post.categories.map((c): [string, string] => ['article:section', c.name]),
      ...post.tags.map((t): [string, string] => ['article:tag', t]),
    ],
    twitter: [
      // A large card only with an image to fill it.
      ['twitter:card', image ? 'summary_large_image' : 'summary'],
      ['twitter:title', post.title],
      ['twitter:description', description],
      ...(image ? [['twitter:image', image.url] as [string, string]] : []),
      ...(image?.alt ? [['twitter:image:alt', image.alt] as [string, string]] : []),
    ],
    jsonLd: jsonForScript(jsonLd),
  }
}

/** A static page's metadata: a web page of the blog (og:type website), with no date of publication or section. */
function pageMeta(
  post: PostForMeta,
  site: SiteForMeta,
  lang: 'fr' | 'en',
  p: { url: string; home: string; modified: string; description: string; image: MetaImage | null; publisher: object },
): PostMeta {
  const jsonLd = {
    '@context': 'https://schema.org',
    '@type': 'WebPage',
    name: post.title,
    description: p.description,
    url: p.url,
    dateModified: p.modified,
    ...(p.image ? { image: [p.image.url] } : {}),
    isPartOf: { '@type': 'WebSite', name: site.title, url: p.home },
    publisher: p.publisher,
    inLanguage: lang,
  }
  return {
    openGraph: [
      ['og:type', 'website'],
      ['og:site_name', site.title],
      ['og:locale', OG_LOCALES[lang]],
      ['og:title', post.title],
      ['og:description', p.description],
      ['og:url', p.url],
      ...(p.image ? [['og:image', p.image.url] as [string, string]] : []),
      ...(p.image?.alt ? [['og:image:alt', p.image.alt] as [string, string]] : []),
    ],
    twitter: [
      ['twitter:card', p.image ? 'summary_large_image' : 'summary'],
      ['twitter:title', post.title],
      ['twitter:description', p.description],
      ...(p.image ? [['twitter:image', p.image.url] as [string, string]] : []),
      ...(p.image?.alt ? [['twitter:image:alt', p.image.alt] as [string, string]] : []),
    ],
    jsonLd: jsonForScript(jsonLd),
  }
}

declare module '../http/view.ts' {
  interface PageFields {
    /** A post page's metadata (views/seo/post-head.eta). */
    seo: PostMeta
  }
}

/** Adds `seo` to the data of every page that shows a post (the post page, and the same page with form errors). */
async function seoPlugin(app: FastifyInstance) {
  // A post's view model is shared by every request of a freshness generation (src/reader/pages.routes.ts): its
  // metadata is kept with it, per everything else postMeta reads.
  const metas = keptWith<PostForMeta, PostMeta>()
  app.pageDataHooks.push((_request, data) => {
    const post: PostForMeta | undefined = data.post
    // Admin pages pass a `post` of their own (the editor's, through adminPage's untyped data): only a reader's
    // post has an address.
    if (!post || typeof post.url !== 'string') return
    const site: SiteForMeta = { title: data.site.title, url: data.site.url, image: app.settings.get().siteImage }
    data.seo = metas(post, [data.lang, site.url, site.title, site.image], () => postMeta(post, site, data.lang))
  })
}

export default fp(seoPlugin, { name: 'seo', dependencies: ['render'] })
