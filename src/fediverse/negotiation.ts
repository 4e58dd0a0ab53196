// What the fediverse's routes and hooks share with Fastify: telling an ActivityPub client's request from a
// browser's, and writing Fedify's answer (a WHATWG Response) back.
import type { FastifyReply } from 'fastify'

/** What an ActivityPub client asks for (Mastodon: activity+json; the spec: ld+json with the AS profile). */
export const WANTS_ACTIVITY_JSON = /application\/(?:activity\+json|ld\+json)/i

/** Writes Fedify's Response as the reply (its length is Fastify's to set). */
export async function sendResponse(reply: FastifyReply, response: Response): Promise<FastifyReply> {
  reply.code(response.status)
  response.headers.forEach((value, name) => {
    if (name !== 'content-length') reply.header(name, value)
  })
  return reply.send(Buffer.from(await response.arrayBuffer()))
}
