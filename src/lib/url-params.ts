import { z } from 'zod'

/** `?page=N`: absent means 1; anything that is not a sensible page number is a page that does not exist. */
export const pageQuery = z.object({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
})

export const yearParams = z.object({
  year: z
    .string()
    .regex(/^\d{4}$/)
    .transform(Number),
})

export const monthParams = yearParams.extend({
  month: z
    .string()
    .regex(/^\d{2}$/)
    .transform(Number)
    .refine((m) => m >= 1 && m <= 12),
})

export const postParams = monthParams.extend({
  day: z.string().regex(/^\d{2}$/),
  file: z.string().regex(/^[^/]{1,200}\.html$/),
})

/** A static page, `/<slug>.html` (src/pages/): the slug as the router decoded it. */
export const pageParams = z.object({ slug: z.string().min(1).max(200) })

export const categoryParams = z.object({ slug: z.string().min(1).max(200) })

/** `?cpage=N` on a post page: which page of its comments. */
export const commentPageQuery = z.object({
  cpage: z.coerce.number().int().min(1).max(1_000_000).default(1),
  reply: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().catch(undefined),
})
