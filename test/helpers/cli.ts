// The command line as its users run it (`npm run cli -- …`): a real child process, its exit code and output.
import { spawn, type ChildProcess } from 'node:child_process'

export interface CliRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Starts the command; `done` settles when it exits (for tests that act while it runs). */
export function cliProcess(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: { ...process.env, ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  const done = new Promise<CliRun>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })))
  return { child, done }
}

/** Runs the command to its end. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return cliProcess(args, env).done
}
