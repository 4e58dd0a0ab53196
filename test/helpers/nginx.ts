// Debian's nginx in front of Carnet instances, started by a test on loopback with the project's config
// (test/nginx/carnet.conf), the upstream ports and the listening port replaced.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const NGINX_CONF = resolve(import.meta.dirname, '../nginx/carnet.conf')

export interface Nginx {
  url: string
  port: number
  /** The access log: one line per request, `<status> <upstream addresses> <request>`. */
  accessLog(): string[]
  stop(): Promise<void>
}

/** The nginx binary; a clear failure (not a skip) when it is missing: CI installs nginx-light. */
export function nginxBinary(): string {
  for (const path of ['/usr/sbin/nginx', '/usr/bin/nginx']) {
    if (spawnSync(path, ['-v']).status === 0) return path
  }
  throw new Error('nginx is not installed: apt-get install -y nginx-light (.ci/run installs it)')
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolvePort(port))
    })
  })
}

/** The project's server and upstream blocks, listening on `port`, in front of `upstreams` (ports on 127.0.0.1). */
export function carnetConf(port: number, upstreams: readonly number[]): string {
  const conf = readFileSync(NGINX_CONF, 'utf8')
  const servers = conf.match(/^ {4}server 127\.0\.0\.1:\d+ (.*);$/m)
  if (!servers) throw new Error(`${NGINX_CONF}: no upstream server line`)
  return conf
    .replace(/^( {4}server 127\.0\.0\.1:\d+ .*;\n)+/m, upstreams.map((p) => `    server 127.0.0.1:${p} ${servers[1]};\n`).join(''))
    .replace(/^( {4})listen 80;$/m, `$1listen 127.0.0.1:${port};`)
}

export async function startNginx(upstreams: readonly number[]): Promise<Nginx> {
  const binary = nginxBinary()
  const dir = mkdtempSync(join(tmpdir(), 'carnet-nginx-'))
  // nginx's workers run as another user when the master is root: they need to enter the folder.
  chmodSync(dir, 0o755)
  const port = await freePort()
  writeFileSync(join(dir, 'carnet.conf'), carnetConf(port, upstreams))
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
    log_format carnet '$status $upstream_addr $request';
    access_log ${dir}/access.log carnet;
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    include ${dir}/carnet.conf;
}
`,
  )
  let out = ''
  const child: ChildProcess = spawn(binary, ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<void>((done) => child.on('exit', () => done()))
  // Ready when it answers (any status: the upstreams may still be starting).
  const until = Date.now() + 10_000
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/robots.txt`).then(
      () => true,
      () => false,
    )
    if (up) break
    if (child.exitCode !== null || Date.now() > until) {
      const log = (() => {
        try {
          return readFileSync(join(dir, 'error.log'), 'utf8')
        } catch {
          return ''
        }
      })()
      child.kill('SIGKILL')
      throw new Error(`nginx did not start:\n${out}\n${log}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    accessLog: () =>
      readFileSync(join(dir, 'access.log'), 'utf8')
        .split('\n')
        .filter((l) => l),
    async stop() {
      // SIGQUIT: graceful stop (the access log is flushed).
      child.kill('SIGQUIT')
      await exited
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
    },
  }
}
