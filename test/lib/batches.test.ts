import { describe, expect, it } from 'vitest'
import { inBatches } from '../../src/lib/batches.ts'

describe('inBatches', () => {
  it('runs the first item at once, the ones that came meanwhile together, at most `max` a batch, in order', async () => {
    const batches: number[][] = []
    const double = inBatches(async (items: readonly number[]) => {
      batches.push([...items])
      await new Promise((resolve) => setTimeout(resolve, 5))
      return items.map((n) => n * 2)
    }, 3)
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map(double))
    expect(results).toEqual([2, 4, 6, 8, 10, 12])
    expect(batches).toEqual([[1], [2, 3, 4], [5, 6]])
    // Quiet again: the next item goes at once, alone.
    expect(await double(7)).toBe(14)
    expect(batches.at(-1)).toEqual([7])
  })

  it("fails a failed batch's every item, and runs the next batch", async () => {
    const run = inBatches(async (items: readonly string[]) => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      if (items.includes('bad')) throw new Error('refused')
      return items.map((s) => s.toUpperCase())
    }, 10)
    const results = await Promise.allSettled(['first', 'bad', 'with it'].map(run))
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected'])
    expect(await run('after')).toBe('AFTER')
  })
})
