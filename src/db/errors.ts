// Which database failures mean "not now" (worth a retry: a full disk, a lock held too long, a server restarting)
// rather than a bug, for either database. The one place that knows both databases' error codes.

/** SQLite's result codes for "not now". */
const SQLITE_TRANSIENT = /^SQLITE_(FULL|BUSY|LOCKED|IOERR|NOMEM|READONLY|CANTOPEN|PROTOCOL)/

/**
 * PostgreSQL's SQLSTATEs for "not now": class 08 (connection lost or refused), class 53 (disk full, out of
 * memory, too many connections), 57P01–57P03 (the server shutting down or starting), 40001/40P01 (a
 * serialization failure or a deadlock victim), 55P03 (a lock not available), 25006 (a read-only standby after a
 * failover).
 */
const POSTGRES_TRANSIENT = /^(08...|53...|57P0[123]|40001|40P01|55P03|25006)$/

/** Node's network errors when the PostgreSQL server cannot be reached at all. */
const NETWORK_TRANSIENT = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN)$/

export function isTransientDatabaseError(err: unknown): boolean {
  const code = String((err as { code?: unknown } | null)?.code ?? '')
  if (SQLITE_TRANSIENT.test(code) || POSTGRES_TRANSIENT.test(code) || NETWORK_TRANSIENT.test(code)) return true
  // pg's own errors when the connection ends under a query carry no code.
  return err instanceof Error && /Connection terminated|timeout exceeded when trying to connect/i.test(err.message)
}
