import { z } from 'zod'
import { categoryParams, monthParams } from '../lib/url-params.ts'

export const categoryFeedParams = categoryParams

/** `/archive/2017/10/01/<slug>/comments.rss`: the same date and slug as the post's permalink. */
export const postFeedParams = monthParams.extend({
  day: z.string().regex(/^\d{2}$/),
  slug: z.string().min(1).max(200),
})
