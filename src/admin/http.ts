// Small HTTP helpers shared by the admin's routes.
import type { FastifyError } from 'fastify'

/** An error that the admin's error handler turns into a page with this status. */
export function refusal(statusCode: number, message: string): FastifyError {
  return Object.assign(new Error(message), { statusCode, code: `CARNET_ADMIN_${statusCode}` }) as FastifyError
}

/** `next` after sign-in: only a path on this site (not `//host`, not `/\host`), else the dashboard. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s\\]*$/.test(next) && next.length <= 2000 ? next : '/admin'
}
