import { z } from 'zod'

/**
 * `/search?q=…&page=N`. Nothing here can fail: a repeated `q` counts once, a missing one is an empty search,
 * and a page that is not a sensible number is the first page.
 */
export const searchQuery = z.object({
  q: z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string().catch('')).default(''),
  page: z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.coerce.number().int().min(1).max(10_000).catch(1)).default(1),
})
