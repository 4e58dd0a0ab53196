// The blog's followers (fedi_followers): stored when a Follow is accepted, removed by an Undo or by the admin.
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import { nowIso } from '../lib/time.ts'

export interface NewFollower {
  actorId: string
  inbox: string
  sharedInbox: string | null
  handle: string
  followId: string | null
}

/** Stores (or refreshes: a second Follow from the same account) a follower. */
export async function addFollower(db: Kysely<Database>, f: NewFollower): Promise<void> {
  const row = {
    actor_id: f.actorId,
    inbox: f.inbox,
    shared_inbox: f.sharedInbox,
    handle: f.handle,
    instance: new URL(f.actorId).hostname,
    follow_id: f.followId,
    followed_at: nowIso(),
  }
  await db
    .insertInto('fedi_followers')
    .values(row)
    .onConflict((oc) =>
      oc.column('actor_id').doUpdateSet({ inbox: row.inbox, shared_inbox: row.shared_inbox, handle: row.handle, follow_id: row.follow_id }),
    )
    .execute()
}

export async function removeFollower(db: Kysely<Database>, actorId: string): Promise<number> {
  const result = await db.deleteFrom('fedi_followers').where('actor_id', '=', actorId).executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** Undoes a Follow known only by its id: the follower whose Follow it was, if the Undo's actor is that follower. */
export async function removeFollowerByFollow(db: Kysely<Database>, actorId: string, followId: string): Promise<number> {
  const result = await db.deleteFrom('fedi_followers').where('actor_id', '=', actorId).where('follow_id', '=', followId).executeTakeFirst()
  return Number(result.numDeletedRows)
}

export async function countFollowers(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('fedi_followers')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export type FollowerRow = Awaited<ReturnType<typeof followersPage>>[number]

/** Followers by id (oldest first), `limit` after the id `after`: keyset paging for the collection and the admin. */
export async function followersPage(db: Kysely<Database>, p: { after: number; limit: number }) {
  return db
    .selectFrom('fedi_followers')
    .select(['id', 'actor_id', 'inbox', 'shared_inbox', 'handle', 'instance', 'follow_id', 'followed_at'])
    .where('id', '>', p.after)
    .orderBy('id')
    .limit(p.limit)
    .execute()
}

export async function findFollower(db: Kysely<Database>, id: number) {
  return db.selectFrom('fedi_followers').selectAll().where('id', '=', id).executeTakeFirst()
}
