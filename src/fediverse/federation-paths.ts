// The federation's addresses, shared by its parts (federation.ts, articles.ts).

/** The blog actor's identifier in its addresses (never shown: people see the handle). */
export const BLOG_ACTOR = 'blog'
export const ACTOR_PATH = '/fediverse/users/{identifier}'
export const SHARED_INBOX_PATH = '/fediverse/inbox'
/** A post's address as Fedify's router reads it (src/lib/urls.ts postPath). */
export const ARTICLE_PATH = '/archive/{year}/{month}/{day}/{slug}.html'
