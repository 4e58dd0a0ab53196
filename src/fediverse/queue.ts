// Where Fedify's work waits (fan-out of an activity to the followers, each delivery to an inbox, each activity
// received): Carnet's jobs table (src/jobs/), so that it survives restarts and one instance only runs each piece,
// on SQLite and PostgreSQL, with no other server. Fedify retries failed deliveries itself (it queues them again,
// later): a job is one attempt.
import type { MessageQueue, MessageQueueEnqueueOptions, MessageQueueListenOptions } from '@fedify/fedify'
import type { FastifyInstance } from 'fastify'
import { enqueueJob } from '../jobs/jobs.ts'
import { now } from '../lib/time.ts'

export const FEDIFY_JOB = 'fedify'

class JobsMessageQueue implements MessageQueue {
  readonly nativeRetrial = false
  constructor(private readonly app: FastifyInstance) {}

  async enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
    const delay = options?.delay ? Math.max(0, options.delay.total({ unit: 'milliseconds' })) : 0
    await enqueueJob(this.app.db, { kind: FEDIFY_JOB, payload: message, runAt: new Date(now().getTime() + delay) })
    this.app.jobs.wake()
  }

  async enqueueMany(messages: readonly unknown[], options?: MessageQueueEnqueueOptions): Promise<void> {
    for (const message of messages) await this.enqueue(message, options)
  }

  /** The jobs' own workers run the messages (fediverse.plugin.ts hands them to Fedify): nothing to do here. */
  listen(_handler: (message: unknown) => Promise<void> | void, options?: MessageQueueListenOptions): Promise<void> {
    return new Promise((resolve) => {
      if (!options?.signal || options.signal.aborted) return resolve()
      options.signal.addEventListener('abort', () => resolve(), { once: true })
    })
  }
}

export function fediverseQueue(app: FastifyInstance): MessageQueue {
  return new JobsMessageQueue(app)
}
