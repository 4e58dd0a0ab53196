// How an imported post is known again: by its id on the blog it comes from (WordPress's exports have posts
// sharing a guid: the guid is only a hint, for posts imported before ids were the key), or, in Carnet's own
// export of this very blog, as the same post (same id, created at the same millisecond).
import { createHash } from 'node:crypto'
import type { Transaction } from 'kysely'
import type { Database } from '../db/schema.ts'
import { remembered } from './import-common.ts'
import { timesOf, type WxrComment, type WxrItem } from './wxr-schema.ts'

type Trx = Transaction<Database>

export interface PostKeys {
  /** The post's id on its blog: what names it. */
  id: string
  /** Its guid, a hint only. */
  guid: string
}

export function postKeys(blog: string, item: WxrItem): PostKeys {
  const id =
    (item.postId ? `${blog}?p=${item.postId}` : '') ||
    item.guid ||
    item.link ||
    // Nothing names it: what it says does.
    `${blog}#${createHash('sha256').update(`${item.title}\n${item.date}\n${item.content}`).digest('hex')}`
  return { id, guid: item.guid !== id ? item.guid : '' }
}

/** A post an earlier import remembered by this guid, unless it is known by an id already (another post's). */
export async function byGuid(trx: Trx, guid: string): Promise<number | undefined> {
  const local = await remembered(trx, 'wxr-post', guid)
  if (local === undefined) return undefined
  const claimed = await trx
    .selectFrom('import_origins')
    .select('external_id')
    .where('kind', '=', 'wxr-post')
    .where('local_id', '=', local)
    .where('external_id', '!=', guid)
    .executeTakeFirst()
  return claimed ? undefined : local
}

/**
 * Carnet's own export of this blog: the post with the file's id exists here, created at the very instant the
 * file says (milliseconds: `_carnet_times`). Then it is that post, whatever address the export was made with.
 */
export async function sameCarnetPost(trx: Trx, item: WxrItem): Promise<number | undefined> {
  const times = timesOf(item.meta)
  if (!times || !item.postId) return undefined
  const row = await trx
    .selectFrom('posts')
    .select('id')
    .where('id', '=', Number(item.postId))
    .where('created_at', '=', times.created_at)
    .executeTakeFirst()
  return row?.id
}

export async function sameCarnetComment(trx: Trx, c: WxrComment, postId: number): Promise<number | undefined> {
  const createdAt = c.meta.find((m) => m.key === '_carnet_created_at')?.value
  if (!createdAt || !c.id) return undefined
  const row = await trx
    .selectFrom('comments')
    .select('id')
    .where('id', '=', Number(c.id))
    .where('post_id', '=', postId)
    .where('created_at', '=', createdAt)
    .executeTakeFirst()
  return row?.id
}
