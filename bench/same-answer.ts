// The floor for Carnet's own answer: Node's http server alone, with no framework, no cache and no log, answering
// every request with the bytes and headers of a Carnet hit (recorded by bench/hotpath.ts in ANSWER, a JSON file).
// What is left between Carnet and this is Carnet's; what is between this and the Fastify hello-world is the
// answer's size (a 5 KB page, twenty headers, against 17 bytes and two).
import { createServer } from 'node:http'
import { readFileSync } from 'node:fs'

const answer = JSON.parse(readFileSync(process.env.ANSWER!, 'utf8')) as { headers: Record<string, string>; body: string }
const body = Buffer.from(answer.body, 'base64')
const server = createServer((_req, res) => {
  res.writeHead(200, answer.headers)
  res.end(body)
}).listen(Number(process.env.PORT), '127.0.0.1')
process.on('SIGTERM', () => server.close(() => process.exit(0)))
