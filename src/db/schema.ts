// The database as Kysely sees it. Interfaces describe the tables only; view models live with their features.
// Times are ISO 8601 strings in UTC (`toISOString()`), so they sort as text and read well in a SQL shell.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'

export type PostStatus = 'draft' | 'published'
export type CommentStatus = 'pending' | 'approved' | 'spam'
export type PostFormat = 'markdown' | 'html'
/** 'page': a static page (about, legal notice) at `/<slug>.html`, outside every list of posts. */
export type PostKind = 'post' | 'page'

export interface PostsTable {
  id: Generated<number>
  slug: string
  title: string
  /** The body as the author wrote it, in `format` (Markdown, or HTML for imported posts). */
  body_source: Generated<string>
  format: Generated<PostFormat>
  /** Sanitized HTML rendered from body_source when the post is saved. */
  body_html: Generated<string>
  /** Plain-text lead used on lists and in metadata. */
  excerpt: Generated<string>
  signature: Generated<string>
  status: PostStatus
  /** When the post appears to readers (may be in the future: scheduled). Null for a never-published draft. */
  published_at: string | null
  /** 1 = open, 0 = closed by an admin. */
  comments_open: Generated<number>
  created_at: string
  updated_at: string
  /** The writer shown in its byline (users.id); null when nobody (a blog's demo before its first account). */
  author_id: Generated<number | null>
  /** When a contributor submitted this draft for review; null when not waiting for an editor. */
  submitted_at: Generated<string | null>
  // ---- pages ----
  kind: Generated<PostKind>
  /** Moves with every save from the editor: a save based on an older version is refused (issue 29). */
  version: Generated<number>
}

export interface CategoriesTable {
  id: Generated<number>
  name: string
  slug: string
  created_at: string
}

export interface PostCategoriesTable {
  post_id: number
  category_id: number
}

/** Short labels shown with a post (the seed's "Syrie", "Qaryatayn"); distinct from categories. */
export interface PostTagsTable {
  post_id: number
  position: number
  name: string
}

export interface CommentsTable {
  id: Generated<number>
  post_id: number
  parent_id: number | null
  author_name: string
  author_email: string | null
  author_url: string | null
  body: string
  status: CommentStatus
  created_at: string
  ip: string | null
  /** Fingerprint of the normalised text, for the duplicate check (null for comments older than it). */
  body_key: string | null
  /** 1 = pinned by an admin: shown first among its siblings. */
  pinned: Generated<number>
  /** The admin who wrote it signed in (the "author" mark); null for everyone else. */
  user_id: Generated<number | null>
  /** When its author last changed the text (shown as "modifié"); null if never. */
  edited_at: Generated<string | null>
  /** Where it came from (src/comments/): the form, an import, the fediverse, a webmention. */
  origin: Generated<CommentOrigin>
  /** A comment from elsewhere: that site's address of it (the Note's id, the webmention's source). */
  origin_url: Generated<string | null>
  /** Its author there: an ActivityPub actor's id or an h-card's address (bans by actor and domain match it). */
  author_actor: Generated<string | null>
  /** A fediverse author's handle, `@name@host`. */
  author_handle: Generated<string | null>
  /** A comment from elsewhere: the page readers open to see the original (null: origin_url is that page). */
  origin_permalink: Generated<string | null>
}

export type CommentOrigin = 'form' | 'import' | 'fediverse' | 'webmention'

export type ReactionKind = 'like' | 'boost' | 'bookmark' | 'mention'

/** A like, boost/repost, bookmark or mention of a post from elsewhere (src/comments/): counted, not a comment. */
export interface ReactionsTable {
  id: Generated<number>
  post_id: number
  origin: 'fediverse' | 'webmention'
  kind: ReactionKind
  /** The activity's id or the webmention's source: unique per post and kind. */
  source_url: string
  author_name: Generated<string>
  author_url: string | null
  author_actor: string | null
  created_at: string
}

export type WebmentionState = 'pending' | 'accepted' | 'refused'
/** What a verified source turned out to be, or why it was refused. */
export type WebmentionResult =
  'reply' | 'like' | 'boost' | 'bookmark' | 'mention' | 'gone' | 'no-link' | 'refused-fetch' | 'comment-refused'

/** A webmention received (src/webmention/): one per (source, target), verified by a job. */
export interface WebmentionsTable {
  id: Generated<number>
  source: string
  target: string
  post_id: number
  state: Generated<WebmentionState>
  result: WebmentionResult | null
  /** A refusal's details (the status the source answered, the comment rules' reason). */
  detail: string | null
  author_name: string | null
  created_at: string
  checked_at: string | null
}

export type WebmentionSendState = 'pending' | 'sent' | 'refused' | 'no-endpoint' | 'failed'

/** A webmention sent (src/webmention/): one per (post, target), updated at each send. */
export interface WebmentionSendsTable {
  id: Generated<number>
  /** No foreign key: a deleted post's targets are told again (they then see it gone). */
  post_id: number
  source: string
  target: string
  endpoint: string | null
  state: Generated<WebmentionSendState>
  status_code: number | null
  /** The answer's Location, or its first words. */
  answer: string | null
  attempts: Generated<number>
  created_at: string
  sent_at: string | null
}

/** An open-web channel (src/content/publications.ts) and when it began: older posts are never announced. */
export interface PublicationChannelsTable {
  name: string
  started_at: string
}

export type PostChannelState = 'announced' | 'skipped' | 'withdrawn'

/** What a channel was told of a post. */
export interface PostChannelsTable {
  channel: string
  post_id: number
  state: PostChannelState
  /** posts.version when last announced. */
  version: Generated<number>
  changed_at: string
}

export type JobState = 'pending' | 'done' | 'failed'

/** Work done later, at most once across instances (src/jobs/). */
export interface JobsTable {
  id: Generated<number>
  kind: string
  /** JSON. */
  payload: string
  key: string | null
  run_at: string
  attempts: Generated<number>
  claimed_by: string | null
  claimed_until: string | null
  last_error: string | null
  state: Generated<JobState>
  created_at: string
  finished_at: string | null
}

/** Fedify's key-value state (src/fediverse/kv.ts): key = JSON array, value = JSON. */
export interface FediKvTable {
  key: string
  value: string
  expires_at: string | null
}

/** A fediverse account that follows the blog (src/fediverse/followers.ts). */
export interface FediFollowersTable {
  id: Generated<number>
  actor_id: string
  inbox: string
  shared_inbox: string | null
  /** @name@host */
  handle: string
  /** The instance's host name. */
  instance: string
  /** The Follow activity's id (an Undo names it). */
  follow_id: string | null
  followed_at: string
}

export type ReportReason = 'spam' | 'abuse' | 'other'

/** A reader's report of a comment (src/reports/). */
export interface CommentReportsTable {
  id: Generated<number>
  comment_id: number
  reason: ReportReason
  note: Generated<string>
  /** Keyed hash of the reporter's IP address (one report per comment and reporter). */
  reporter: string
  created_at: string
  /** When an admin decided; unresolved reports are the ones that count. */
  resolved_at: string | null
}

export interface UsersTable {
  id: Generated<number>
  username: string
  password_hash: string
  created_at: string
  updated_at: string
  // ---- mail ----
  /** Where the admin's notifications go; null: none. */
  email: Generated<string | null>
  /** none | held (comments awaiting moderation) | all (every new comment). */
  notify: Generated<AdminNotify>
  // ---- writers (src/admin/permissions.ts) ----
  /** owner | administrator | editor | author | contributor. */
  role: Generated<string>
  /** The name readers see in bylines. */
  display_name: Generated<string>
  /** Its page's address, /author/<slug>. */
  slug: string | null
  bio: Generated<string>
  portrait_media_id: Generated<number | null>
}

/** An invitation sent to a new writer (src/admin/invitations.ts); the link is signed, never stored. */
export interface InvitationsTable {
  id: Generated<number>
  email: string
  role: string
  invited_by: number | null
  created_at: string
  expires_at: string
  used_at: string | null
  user_id: number | null
}

export type AdminNotify = 'none' | 'held' | 'all'

/** One row per setting; value is JSON. */
export interface SettingsTable {
  key: string
  value: string
}

// ---- feeds & search ----

/** One row (id 1): when anything a public page shows last changed. Kept by triggers (HTTP Last-Modified). */
export interface SiteStateTable {
  id: number
  changed_at: string
  // ---- perf ----
  /** Moves with every write to posts, post_categories or categories (kept by triggers). */
  posts_version: Generated<number>
}

// ---- perf ----
/** Figures about a post kept by triggers (migrations/2026_11_26_13_00_00_counters.ts). */
export interface PostStatsTable {
  post_id: number
  approved_comments: number
  /** Its latest approved comment's created_at (migrations/2026_12_06_21_00_00_sitemap_days.ts). */
  last_comment_at: string | null
}

/**
 * Published posts (due or not) per UTC month of published_at ('2017-10'), kept by triggers
 * (migrations/2026_12_06_19_30_00_post_counts.ts; read by src/content/post-counts.ts).
 */
export interface MonthCountsTable {
  month: string
  posts: number
}

/** Published posts (due or not) per category, kept by the same triggers. */
export interface CategoryCountsTable {
  category_id: number
  posts: number
}

/**
 * Per UTC day of published_at ('2017-10-01'), the latest change (publication, edit, approved comment) among that
 * day's published posts, due or not; kept by triggers (migrations/2026_12_06_21_00_00_sitemap_days.ts) for the
 * sitemap's last changes (src/feeds/sitemap.routes.ts).
 */
export interface SitemapDaysTable {
  day: string
  changed_at: string
}

/**
 * Per UTC day of published_at, the posts' version at the last write that added, removed or moved a published post
 * of that day (`moved`), and at the last that edited one (`edited`; 0: none); kept by triggers
 * (migrations/2026_12_07_05_10_00_sitemap_moves.ts) so that the sitemap reads again only the files from the day
 * moved on (src/feeds/sitemap.routes.ts).
 */
export interface SitemapMovesTable {
  day: string
  moved: number
  edited: number
}

/** Posts whose search text must be rebuilt; filled by triggers, drained by src/search/fts.sqlite.ts. */
export interface SearchQueueTable {
  post_id: number
}

// ---- admin ----
/** A post's former slug; the public post route answers it with a 301 to the current permanent link. */
export interface PostRedirectsTable {
  old_slug: string
  post_id: number
}

// ---- import ----
/** An address the post had on another engine (normalised path, or `/?p=<id>`): 301 to its permanent link. */
export interface LegacyUrlsTable {
  path: string
  post_id: number
}

/** What an import took in, by its id in the file (WXR guid, comment id, Disqus id): re-imports add nothing. */
export interface ImportOriginsTable {
  kind: string
  external_id: string
  local_id: number
  imported_at: string
  /** The import run that created the row it names (undone with it if interrupted); null when it only matched. */
  run_id: ColumnType<number | null, number | null | undefined, number | null>
}

/** One row per data-changing admin action. Never holds a password or a session. */
export interface AuditLogTable {
  id: Generated<number>
  /** No foreign key: the log outlives the accounts. Null for the command line. */
  user_id: number | null
  username: string
  action: string
  target: Generated<string>
  /** JSON object, or empty. */
  details: Generated<string>
  created_at: string
}

/** Failed sign-ins, for the per-username limit. */
export interface LoginFailuresTable {
  id: Generated<number>
  username: string
  created_at: string
}

/** A signed-out session id, remembered until the session would have expired anyway. */
export interface RevokedSessionsTable {
  sid: string
  expires_at: string
}

// ---- mail ----
/** An address that asked for notifications; it gets nothing but the confirmation mail before confirmed_at. */
export interface MailAddressesTable {
  id: Generated<number>
  /** Lower-cased. */
  email: string
  confirmed_at: string | null
  confirmation_sent_at: string | null
  created_at: string
}

export type SubscriptionKind = 'replies' | 'all'

/** `replies`: the answers to comment_id; `all`: every new comment on the post (comment_id 0). */
export interface MailSubscriptionsTable {
  id: Generated<number>
  address_id: number
  post_id: number
  kind: SubscriptionKind
  comment_id: Generated<number>
  created_at: string
}

export type OutboxStatus = 'queued' | 'sent' | 'failed' | 'cancelled'
export type OutboxKind = 'confirm' | 'notify' | 'admin' | 'newsletter' | 'digest'

/** A mail to send, sent, or given up on (src/mail/outbox.ts). Bodies are stored without the footer. */
export interface MailOutboxTable {
  id: Generated<number>
  kind: OutboxKind
  recipient: string
  lang: string
  subject: string
  text_body: string
  html_body: string
  message_id: string
  /** Message-ID of the post's (never sent) root mail: In-Reply-To and References, so a post's mails group. */
  thread_id: string | null
  unsubscribe_token: string | null
  /** For a digest, which gathers mails with different tokens: stop everything. */
  unsubscribe_all_token: string | null
  post_id: number | null
  comment_id: number | null
  status: OutboxStatus
  attempts: Generated<number>
  next_attempt_at: string
  claimed_by: string | null
  claimed_until: string | null
  last_error: string | null
  created_at: string
  sent_at: string | null
  sent_message_id: string | null
  /** Makes a mail exist once (`newsletter:<post>:<address>`, `digest:<week>:<address>`); null: no such guard. */
  dedupe_key: string | null
}

export type BlogSubscriptionStatus = 'pending' | 'active' | 'unsubscribed'
export type BlogCadence = 'post' | 'weekly'

/** A reader who follows the blog by e-mail (src/newsletter/): each new post, or a weekly digest. */
export interface BlogSubscriptionsTable {
  id: Generated<number>
  address_id: number
  name: Generated<string>
  cadence: BlogCadence
  status: BlogSubscriptionStatus
  source: Generated<'form' | 'import'>
  created_at: string
  confirmed_at: string | null
  unsubscribed_at: string | null
  bounced_at: string | null
}

/** Mails every sender took in one minute (its start, ISO): the pace shared by every instance. */
export interface MailPaceTable {
  minute: string
  count: Generated<number>
}

/**
 * A rate-limit counter (src/http/rate-limit.ts): requests of one key (route and client address) in the window
 * that ends at expires_at, shared by every instance on the database.
 */
export interface RateLimitsTable {
  key: string
  count: number
  expires_at: string
}

export type BanKind =
  | 'email'
  | 'ip'
  | 'network'
  | 'name'
  /** A remote author (src/comments/remote.ts): an ActivityPub actor's id or an h-card's address. */
  | 'actor'
  /** Every remote author of an instance or site: a host name and its subdomains (stored as punycode). */
  | 'domain'

/** A banned commenter (src/comments/bans.ts). */
export interface BansTable {
  id: Generated<number>
  kind: BanKind
  /** Normalised: lower-case e-mail, canonical IP, `203.0.113.0/24` or `2001:db8::/64`, folded name. */
  value: string
  /** As the admin typed it. */
  shown: string
  /** An e-mail ban: 1 when it also covers the address's sub-addresses (name+anything@domain); 0 otherwise. */
  subaddresses: Generated<number>
  note: Generated<string>
  /** Null: never expires. */
  expires_at: string | null
  created_at: string
  created_by: string
}

export interface Database {
  posts: PostsTable
  categories: CategoriesTable
  post_categories: PostCategoriesTable
  post_tags: PostTagsTable
  comments: CommentsTable
  comment_reports: CommentReportsTable
  users: UsersTable
  invitations: InvitationsTable
  settings: SettingsTable
  // feeds & search (posts_fts, the FTS5 table, is reached only through src/search/fts.sqlite.ts)
  site_state: SiteStateTable
  post_stats: PostStatsTable
  sitemap_days: SitemapDaysTable
  sitemap_moves: SitemapMovesTable
  month_counts: MonthCountsTable
  category_counts: CategoryCountsTable
  search_queue: SearchQueueTable
  // ---- admin ----
  post_redirects: PostRedirectsTable
  audit_log: AuditLogTable
  login_failures: LoginFailuresTable
  revoked_sessions: RevokedSessionsTable
  rate_limits: RateLimitsTable
  bans: BansTable
  // ---- the open web (src/comments/, src/jobs/) ----
  reactions: ReactionsTable
  jobs: JobsTable
  // ---- the fediverse (src/fediverse/) ----
  fedi_kv: FediKvTable
  fedi_followers: FediFollowersTable
  publication_channels: PublicationChannelsTable
  post_channels: PostChannelsTable
  webmentions: WebmentionsTable
  webmention_sends: WebmentionSendsTable
  // ---- drafts (src/content/revisions.ts, src/admin/drafts.repository.ts) ----
  post_revisions: PostRevisionsTable
  post_autosaves: PostAutosavesTable
  pending_saves: PendingSavesTable
  preview_links: PreviewLinksTable
  // ---- import ----
  legacy_urls: LegacyUrlsTable
  import_origins: ImportOriginsTable
  // ---- media ----
  media: MediaTable
  // ---- pages ----
  menu_items: MenuItemsTable
  // ---- mail ----
  mail_addresses: MailAddressesTable
  mail_subscriptions: MailSubscriptionsTable
  mail_outbox: MailOutboxTable
  blog_subscriptions: BlogSubscriptionsTable
  mail_pace: MailPaceTable
}

export type Post = Selectable<PostsTable>
export type NewPost = Insertable<PostsTable>
export type PostUpdate = Updateable<PostsTable>
export type Category = Selectable<CategoriesTable>
export type Comment = Selectable<CommentsTable>
/** A comment just stored, as what follows it in its transaction (the mail outbox) is told of it. */
export type StoredComment = Pick<Comment, 'id' | 'post_id' | 'parent_id' | 'author_name' | 'author_email' | 'body' | 'status'>
export type NewComment = Insertable<CommentsTable>
export type User = Selectable<UsersTable>
export type Ban = Selectable<BansTable>

// ---- pages ----
export type MenuItemType = 'page' | 'category' | 'archives' | 'url'

/** One link of the header's menu (src/pages/menu.ts), in `position` order. */
export interface MenuItemsTable {
  id: Generated<number>
  position: number
  type: MenuItemType
  post_id: number | null
  category_id: number | null
  url: string | null
  /** As the admin typed it; empty: the page's title, the category's name, "Archives". */
  label: Generated<string>
}

/** An uploaded image. Its files in the media folder are named from `hash` (see src/media/names.ts). */
export interface MediaTable {
  id: Generated<number>
  /** Hash of the uploaded bytes (hex): the same image uploaded twice is one row. */
  hash: string
  /** The published full-size file (`<hash>-<width>x<height>.<ext>`), the one Markdown points to. */
  name: string
  /** MIME type of the published full-size file. */
  type: string
  width: number
  height: number
  /** Size of the upload as received. */
  bytes: number
  alt: Generated<string>
  /** 1: the author said the image is decorative (empty alt on purpose). */
  decorative: Generated<number>
  created_at: string
}

/** A saved version of a post: what it was after a save from the editor, who saved it, when. */
export interface PostRevisionsTable {
  id: Generated<number>
  post_id: number
  version: number
  title: string
  slug: string
  body_source: string
  format: PostFormat
  excerpt: Generated<string>
  signature: Generated<string>
  status: PostStatus
  published_at: string | null
  /** JSON list of category ids. */
  category_ids: Generated<string>
  /** JSON list of tags. */
  tags: Generated<string>
  /** Null: saved before revisions were kept, by an import, or by an account since removed. */
  user_id: number | null
  user_name: Generated<string>
  /** The revision this one restored, if it is a restore. */
  restored_from: number | null
  created_at: string
}

/** The editor's copy of what a writer is typing, kept every few seconds; post_key is 0 for a post not saved yet. */
export interface PostAutosavesTable {
  user_id: number
  post_key: number
  base_version: Generated<number>
  title: string
  body_source: string
  /** Every field of the editor as typed (JSON). */
  form: string
  saved_at: string
}

/** A save posted after its session ended, held until its writer signs in again (its token in the sign-in form). */
export interface PendingSavesTable {
  /** SHA-256 of the one-time token (hex). */
  token_hash: string
  /** Null: a new post. */
  post_id: number | null
  /** The posted form (JSON). */
  form: string
  created_at: string
}

/** A secret address that shows a post's current draft to reviewers, until it is revoked (the row deleted). */
export interface PreviewLinksTable {
  id: Generated<number>
  post_id: number
  token: string
  created_by: Generated<string>
  created_at: string
}
