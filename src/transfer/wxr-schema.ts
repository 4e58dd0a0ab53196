// What a WXR record says, checked with zod: the little trees xml-records.ts builds become plain objects, and any
// field out of shape refuses the file with the record's line and column.
import { z } from 'zod'
import { child, children, ImportFileError, type XmlNode } from './xml-records.ts'

/** Which namespace URIs are WordPress's `wp:` and `excerpt:` in this file. */
export interface WxrNamespaces {
  isWp: (uri: string) => boolean
  isExcerpt: (uri: string) => boolean
}

/**
 * WordPress's namespaces: any WXR version's, http or https (the theme unit test data binds https), and whatever
 * URI the document's root binds to the `wp` and `excerpt` prefixes, as WordPress's importer takes it. A prefix
 * bound again further down to another URI is not WordPress's.
 */
export function wxrNamespaces(rootBindings: Record<string, string> = {}): WxrNamespaces {
  const wp = rootBindings.wp
  const excerpt = rootBindings.excerpt
  return {
    isWp: (uri) => uri === wp || /^https?:\/\/wordpress\.org\/export\/\d+\.\d+\/$/.test(uri),
    isExcerpt: (uri) => uri === excerpt || /^https?:\/\/wordpress\.org\/export\/\d+\.\d+\/excerpt\/$/.test(uri),
  }
}
export const CONTENT_NS = 'http://purl.org/rss/1.0/modules/content/'
export const DC_NS = 'http://purl.org/dc/elements/1.1/'

const DATE = 'date'
const NUMBER = 'number'
/** `2010-10-16 20:53:18`; WordPress writes `0000-00-00 00:00:00` for "none" (a draft's GMT date). */
const wpDate = z
  .string()
  .trim()
  .refine((s) => s === '' || /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$/.test(s), DATE)
const id = z
  .string()
  .trim()
  .refine((s) => s === '' || /^\d{1,18}$/.test(s), NUMBER)
const text = (max: number) => z.string().max(max)

const comment = z.object({
  id: id,
  author: text(1000),
  email: text(1000),
  url: text(2000),
  ip: text(100),
  date: wpDate,
  dateGmt: wpDate,
  content: text(1_000_000),
  approved: text(50),
  type: text(50),
  parent: id,
  meta: z.array(z.object({ key: text(1000), value: text(100_000) })).max(1000),
})
export type WxrComment = z.infer<typeof comment>

const item = z.object({
  title: text(2000),
  link: text(4000),
  pubDate: text(200),
  creator: text(500),
  guid: text(4000),
  content: text(20_000_000),
  excerpt: text(1_000_000),
  postId: id,
  /** A page's parent page (WordPress's hierarchy; Carnet's pages are flat). */
  parent: id,
  date: wpDate,
  dateGmt: wpDate,
  modifiedGmt: wpDate,
  commentStatus: text(50),
  name: text(2000),
  status: text(50),
  type: text(100),
  password: text(1000),
  terms: z.array(z.object({ domain: text(100), nicename: text(2000), name: text(2000) })).max(10_000),
  meta: z.array(z.object({ key: text(1000), value: text(20_000_000) })).max(10_000),
  comments: z.array(comment).max(1_000_000),
})
export type WxrItem = z.infer<typeof item>

const isoTime = z.iso.datetime()
/** Exact times a Carnet export keeps beside WordPress's (which have whole seconds). */
export const carnetTimes = z.object({ created_at: isoTime, updated_at: isoTime, published_at: isoTime.nullable() })

const remoteUrl = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .nullable()
/**
 * Where a comment came from, as a Carnet export keeps it (`_carnet_origin`): a blog moved to another server keeps
 * its form's, imports', fediverse's and webmentions' comments for what they are (src/comments/).
 */
export const carnetOrigin = z.object({
  origin: z.enum(['form', 'import', 'fediverse', 'webmention']),
  origin_url: remoteUrl,
  origin_permalink: remoteUrl,
  author_actor: remoteUrl,
  author_handle: z.string().max(300).nullable(),
})

/** A Carnet export's `_carnet_origin` comment field, if there is one and it is well formed. */
export function originOf(meta: ReadonlyArray<{ key: string; value: string }>) {
  const value = meta.find((m) => m.key === '_carnet_origin')?.value
  if (value === undefined) return undefined
  try {
    return carnetOrigin.safeParse(JSON.parse(value)).data
  } catch {
    return undefined
  }
}

/** A Carnet export's `_carnet_times` field, if there is one and it is well formed. */
export function timesOf(meta: WxrItem['meta']) {
  const value = meta.find((m) => m.key === '_carnet_times')?.value
  if (value === undefined) return undefined
  try {
    return carnetTimes.safeParse(JSON.parse(value)).data
  } catch {
    return undefined
  }
}

const author = z.object({ login: text(500), displayName: text(500) })
const category = z.object({ nicename: text(2000), name: text(2000), parent: text(2000) })

const t = (node: XmlNode | undefined) => node?.text ?? ''

function check<T>(schema: z.ZodType<T>, value: unknown, node: XmlNode, what: string): T {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]!
  const problem = issue.code === 'too_big' ? 'too-long' : issue.message === DATE ? 'date' : issue.message === NUMBER ? 'number' : 'invalid'
  throw new ImportFileError(
    { code: 'field', params: { record: what, field: issue.path.join('.') || 'value', problem } },
    node.line,
    node.column,
  )
}

export function readItem(node: XmlNode, { isWp, isExcerpt }: WxrNamespaces): WxrItem {
  const wp = (local: string) => t(child(node, local, isWp))
  return check(
    item,
    {
      title: t(child(node, 'title')),
      link: t(child(node, 'link')).trim(),
      pubDate: t(child(node, 'pubDate')),
      creator: t(child(node, 'creator', DC_NS)).trim(),
      guid: t(child(node, 'guid')).trim(),
      content: t(child(node, 'encoded', CONTENT_NS)),
      excerpt: t(child(node, 'encoded', isExcerpt)),
      postId: wp('post_id'),
      parent: wp('post_parent'),
      date: wp('post_date'),
      dateGmt: wp('post_date_gmt'),
      modifiedGmt: wp('post_modified_gmt'),
      commentStatus: wp('comment_status').trim(),
      name: wp('post_name').trim(),
      status: wp('status').trim(),
      type: wp('post_type').trim(),
      password: wp('post_password'),
      terms: children(node, 'category').map((c) => ({
        domain: c.attributes.domain ?? 'category',
        nicename: c.attributes.nicename ?? '',
        name: c.text.trim(),
      })),
      meta: children(node, 'postmeta', isWp).map((m) => ({ key: t(child(m, 'meta_key', isWp)), value: t(child(m, 'meta_value', isWp)) })),
      comments: children(node, 'comment', isWp).map((c) => {
        const f = (local: string) => t(child(c, local, isWp))
        return {
          id: f('comment_id'),
          author: f('comment_author').trim(),
          email: f('comment_author_email').trim(),
          url: f('comment_author_url').trim(),
          ip: f('comment_author_IP').trim(),
          date: f('comment_date'),
          dateGmt: f('comment_date_gmt'),
          content: f('comment_content'),
          approved: f('comment_approved').trim(),
          type: f('comment_type').trim(),
          parent: f('comment_parent'),
          meta: children(c, 'commentmeta', isWp).map((m) => ({
            key: t(child(m, 'meta_key', isWp)),
            value: t(child(m, 'meta_value', isWp)),
          })),
        }
      }),
    },
    node,
    'item',
  )
}

export function readAuthor(node: XmlNode, { isWp }: WxrNamespaces) {
  return check(
    author,
    { login: t(child(node, 'author_login', isWp)).trim(), displayName: t(child(node, 'author_display_name', isWp)).trim() },
    node,
    'author',
  )
}

export function readCategory(node: XmlNode, { isWp }: WxrNamespaces) {
  return check(
    category,
    {
      nicename: t(child(node, 'category_nicename', isWp)).trim(),
      name: t(child(node, 'cat_name', isWp)).trim(),
      parent: t(child(node, 'category_parent', isWp)).trim(),
    },
    node,
    'category',
  )
}
