import { describe, expect, it } from 'vitest'
import { isTransientDatabaseError } from '../../src/db/errors.ts'

const withCode = (code: string) => Object.assign(new Error(code), { code })

describe('isTransientDatabaseError', () => {
  it('says "not now" for a full disk, a busy lock or a server away, on either database', () => {
    for (const code of ['SQLITE_FULL', 'SQLITE_BUSY', 'SQLITE_IOERR_WRITE', '53100', '53300', '57P01', '08006', '40P01', 'ECONNREFUSED']) {
      expect(isTransientDatabaseError(withCode(code)), code).toBe(true)
    }
    expect(isTransientDatabaseError(new Error('Connection terminated unexpectedly'))).toBe(true)
  })

  it('says a bug is a bug', () => {
    for (const code of ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_ERROR', '23505', '42P01', '22021']) {
      expect(isTransientDatabaseError(withCode(code)), code).toBe(false)
    }
    expect(isTransientDatabaseError(new TypeError('x is undefined'))).toBe(false)
    expect(isTransientDatabaseError(null)).toBe(false)
  })
})
