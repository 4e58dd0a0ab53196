// Runs the real server as a child process (one process id: node --import tsx, not npx), for tests that need to
// signal or kill it.
import { type ChildProcess, spawn } from 'node:child_process'

export interface ServerProcess {
  child: ChildProcess
  url: string
  port: number
  output(): string
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>
}

/** `args`: node's arguments, by default the TypeScript sources through tsx (`['build/src/server.js']`: compiled). */
export async function startServer(
  env: Record<string, string>,
  timeoutMs = 20_000,
  args: string[] = ['--import', 'tsx', 'src/server.ts'],
): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)))
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), timeoutMs)
    const check = () => {
      const m = /listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    }
    child.stdout!.on('data', check)
    void exited.then(() => reject(new Error(`server exited before listening:\n${out}`)))
  })
  return { child, port, url: `http://127.0.0.1:${port}`, output: () => out, exited }
}
