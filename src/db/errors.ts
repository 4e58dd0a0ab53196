// Which database failures mean "not now" (worth a 503 and a retry: a full disk, a lock held too long, a server
// restarting) rather than a bug, for either database. The one place that knows both drivers' error codes.

/**
 * SQLite's "not now": a lock held past busy_timeout, an I/O error, a full disk, a file that cannot be opened or
 * written (as opposed to a bug in a query, SQLITE_ERROR, or a constraint).
 */
const SQLITE_UNAVAILABLE = /^SQLITE_(FULL|BUSY|LOCKED|IOERR|NOMEM|READONLY|CANTOPEN|PROTOCOL)/

/**
 * PostgreSQL's SQLSTATEs for "not now": class 08 (connection lost or refused), class 53 (disk full, out of
 * memory, too many connections), 57P01–57P03 (the server shutting down or starting), 57014 (a statement
 * cancelled by statement_timeout: the server too slow now), 40001/40P01 (a serialization failure or a deadlock
 * victim), 55P03 (a lock not available), 25006 (a read-only standby after a failover).
 */
const POSTGRES_UNAVAILABLE = /^(08...|53...|57P0[123]|57014|40001|40P01|55P03|25006)$/

/**
 * Node's network errors when the PostgreSQL server cannot be reached at all. Only a socket's own error counts (it
 * names the system call that failed): the "aborted" ECONNRESET of an HTTP request whose client hung up has none,
 * and is no database's failure (issue 30: it was logged as an outage).
 */
const NETWORK_UNAVAILABLE = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)$/

/**
 * `pg` errors that carry no code: a connection cut mid-query, a pool that could not connect in time, a server
 * that did not answer within query_timeout, and the next query on the connection that was then ended.
 */
const POSTGRES_UNAVAILABLE_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout|Client was closed and is not queryable)/i

/** Whether an error means the database cannot be used right now; looks through `cause` (Kysely) and AggregateErrors. */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false
  const { code, syscall, message, cause, errors } = error as {
    code?: unknown
    syscall?: unknown
    message?: unknown
    cause?: unknown
    errors?: unknown
  }
  if (typeof code === 'string' && (SQLITE_UNAVAILABLE.test(code) || POSTGRES_UNAVAILABLE.test(code))) return true
  if (typeof code === 'string' && typeof syscall === 'string' && NETWORK_UNAVAILABLE.test(code)) return true
  if (typeof message === 'string' && POSTGRES_UNAVAILABLE_MESSAGE.test(message)) return true
  if (Array.isArray(errors) && errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true
  return isDatabaseUnavailable(cause, depth + 1)
}
