// Where Fedify's work waits (deliveries to followers' inboxes, incoming activities): one function, so that the
// queue behind it is one line to change.
import { InProcessMessageQueue, type MessageQueue } from '@fedify/fedify'
import type { FastifyInstance } from 'fastify'

export function fediverseQueue(_app: FastifyInstance): MessageQueue {
  return new InProcessMessageQueue()
}
