// The conversation with the fediverse (issue 31), on top of the federation (fediverse.plugin.ts): replies,
// edits, deletions, likes and boosts received (inbox.ts), and the admin's answers sent back (replies-answer.ts).
// Features that store an admin's comment call app.fediverseAnswer in their transaction; they need not know
// more of the fediverse than that name.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.ts'
import { answersWithdrawn, answerStored, registerAnswers, serveAnswers } from './answers.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * A comment was stored (or edited) in `trx`: when it is an admin's answer to a
     * comment from the fediverse, its sending is queued in the same transaction. Anything else: nothing.
     */
    fediverseAnswer(
      trx: Kysely<Database> | Transaction<Database>,
      comment: { id: number; parent_id: number | null; user_id: number | null },
      action?: 'create' | 'update',
    ): Promise<void>
    /**
     * Comments about to be deleted: call before the deletion, then call what it returns once it is committed;
     * the admin's answers among them are then deleted on the fediverse too.
     */
    fediverseAnswersWithdrawn(db: Kysely<Database>, ids: readonly number[]): Promise<() => Promise<void>>
  }
}

async function conversationPlugin(app: FastifyInstance) {
  // The listeners are added when the federation is built (Fedify is loaded at its first use).
  app.fediverseSetup(async ({ inbox }) => (await import('./inbox.ts')).registerConversation(inbox))
  registerAnswers(app)
  serveAnswers(app)
  app.decorate('fediverseAnswer', answerStored)
  app.decorate('fediverseAnswersWithdrawn', answersWithdrawn)
}

export default fp(conversationPlugin, { name: 'fediverse-conversation', dependencies: ['fediverse', 'jobs'] })
