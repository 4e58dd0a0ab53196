// The ceiling: a bare Fastify hello-world on the same machine, measured in the same run as Carnet. With ANSWER
// (a JSON file of headers and a base64 body, written by bench/hotpath.ts), the same route answers Carnet's stored
// page instead: the bytes and headers of a Carnet hit, from a bare Fastify route.
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'

const app = Fastify({ logger: false })
if (process.env.ANSWER) {
  const answer = JSON.parse(readFileSync(process.env.ANSWER, 'utf8')) as { headers: Record<string, string>; body: string }
  const body = Buffer.from(answer.body, 'base64')
  app.get('/*', (_request, reply) => reply.headers(answer.headers).send(body))
} else app.get('/', async () => ({ hello: 'world' }))
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
