// The one pager of every list (posts, search results, a post's comments, the admin's lists), rendered by
// views/partials/pager.eta.

export interface Pager {
  page: number
  /** Null when the list's length is not counted (the admin's lists only know whether there is more). */
  pages: number | null
  previousUrl: string | null
  nextUrl: string | null
}

/** How many pages `total` items make; an empty list still has its first page. */
export function pageCount(total: number, perPage: number): number {
  return Math.max(1, Math.ceil(total / perPage))
}

/** A page of a list of `pages` pages; `urlOf` gives a page's address. */
export function pager(page: number, pages: number, urlOf: (page: number) => string): Pager {
  return {
    page,
    pages,
    previousUrl: page > 1 ? urlOf(page - 1) : null,
    nextUrl: page < pages ? urlOf(page + 1) : null,
  }
}

/** A page of a list read one row past the page, to know whether another follows without counting. */
export function uncountedPager(page: number, hasMore: boolean, urlOf: (page: number) => string): Pager {
  return { page, pages: null, previousUrl: page > 1 ? urlOf(page - 1) : null, nextUrl: hasMore ? urlOf(page + 1) : null }
}
