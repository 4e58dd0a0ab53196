// A real SMTP server on a loopback port (npm smtp-server), and what arrives read by mailparser: the tests see
// mails as a mail client would. It can be stopped and started again on the same port (the mail-down test), or
// made to refuse every message with a given reply (a 5xx: permanent failure). It offers SMTPUTF8 (RFC 6531) unless
// told not to, and keeps the envelope commands as they came over the wire (smtp-server itself hands the
// application addresses with their domain decoded from Punycode).
import type { AddressInfo } from 'node:net'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer, type SMTPServerOptions } from 'smtp-server'

export interface Received {
  to: string[]
  raw: string
  parsed: ParsedMail
  /** Raw header lines by lower-case name (mailparser folds List-Unsubscribe* into objects). */
  header(name: string): string | undefined
}

export interface SmtpOptions {
  /** Offer SMTPUTF8 in the EHLO answer (default true, as smtp-server does). */
  smtpUtf8?: boolean
}

export interface TestSmtp {
  port: number
  url: string
  received: Received[]
  /** `MAIL FROM:<…>` and `RCPT TO:<…>` lines exactly as the client sent them, in order. */
  envelopeCommands: string[]
  /** Waits until `n` mails have arrived (or fails after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>
  /** Refuse every message with this SMTP reply code (e.g. 550), or accept again (null). */
  refuseWith(code: number | null): void
  stop(): Promise<void>
  start(): Promise<void>
}

export async function startSmtp(port = 0, options: SmtpOptions = {}): Promise<TestSmtp> {
  const received: Received[] = []
  const envelopeCommands: string[] = []
  const quiet = () => undefined
  // smtp-server logs each command line at debug level ('C:', line): the only place it is seen undecoded.
  const logger = {
    debug(entry: { tnx?: string }, _prefix: string, line: unknown) {
      if (entry?.tnx === 'command' && typeof line === 'string' && /^(MAIL FROM|RCPT TO):/i.test(line)) envelopeCommands.push(line)
    },
    info: quiet,
    warn: quiet,
    error: quiet,
    trace: quiet,
    fatal: quiet,
  }
  let refuse: number | null = null
  let server: SMTPServer | null = null
  let boundPort = port

  const make = () =>
    new SMTPServer({
      // Plain SMTP on loopback: no STARTTLS offered (nodemailer would otherwise upgrade and distrust the test certificate).
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      hideSMTPUTF8: options.smtpUtf8 === false,
      logger: logger as unknown as SMTPServerOptions['logger'],
      onData(stream, session, callback) {
        const chunks: Buffer[] = []
        stream.on('data', (c: Buffer) => chunks.push(c))
        stream.on('end', () => {
          if (refuse !== null) {
            const err = Object.assign(new Error('Mailbox unavailable (test)'), { responseCode: refuse })
            return callback(err)
          }
          const raw = Buffer.concat(chunks).toString('utf8')
          simpleParser(raw)
            .then((parsed) => {
              received.push({
                to: session.envelope.rcptTo.map((r) => r.address),
                raw,
                parsed,
                header(name) {
                  const line = parsed.headerLines.find((h) => h.key === name.toLowerCase())
                  return line ? line.line.slice(line.line.indexOf(':') + 1).trim() : undefined
                },
              })
              callback()
            })
            .catch((err: Error) => callback(err))
        })
      },
    })

  async function start() {
    server = make()
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject)
      server!.listen(boundPort, '127.0.0.1', () => resolve())
    })
    boundPort = (server.server.address() as AddressInfo).port
  }
  await start()

  return {
    get port() {
      return boundPort
    },
    get url() {
      return `smtp://127.0.0.1:${boundPort}`
    },
    received,
    envelopeCommands,
    async waitFor(n, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs
      while (received.length < n) {
        if (Date.now() > until) throw new Error(`expected ${n} mails, got ${received.length}`)
        await new Promise((r) => setTimeout(r, 25))
      }
      return received
    },
    refuseWith(code) {
      refuse = code
    },
    async stop() {
      const s = server
      server = null
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()))
    },
    start,
  }
}
