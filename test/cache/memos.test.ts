import { describe, expect, it } from 'vitest'
import { memoKey, Memos } from '../../src/cache/freshness.ts'

describe('Memos (results kept per freshness generation)', () => {
  it('keeps a result for its generation, drops everything when a newer one comes, and lets an older request compute without emptying the newer results', async () => {
    const memos = new Memos(10)
    let computed = 0
    const compute = (value: string) => async () => {
      computed++
      return value
    }
    expect(await memos.get(2, 'page', compute('v2'))).toBe('v2')
    expect(await memos.get(2, 'page', compute('other'))).toBe('v2')
    expect(computed).toBe(1)
    // A request that began before the write that made generation 2: its own result, not kept.
    expect(await memos.get(1, 'page', compute('v1'))).toBe('v1')
    expect(await memos.get(1, 'page', compute('v1 again'))).toBe('v1 again')
    // Generation 2's result is still there.
    expect(await memos.get(2, 'page', compute('other'))).toBe('v2')
    expect(computed).toBe(3)
    // A newer generation: computed again.
    expect(await memos.get(3, 'page', compute('v3'))).toBe('v3')
    expect(await memos.get(2, 'page', compute('late'))).toBe('late')
    expect(await memos.get(3, 'page', compute('other'))).toBe('v3')
  })

  it('forgets a failed computation, and keeps at most its bound', async () => {
    const memos = new Memos(2)
    await expect(memos.get(1, 'a', async () => Promise.reject(new Error('down')))).rejects.toThrow('down')
    expect(await memos.get(1, 'a', async () => 'back')).toBe('back')
    await memos.get(1, 'b', async () => 'b')
    await memos.get(1, 'c', async () => 'c')
    // 'a', the oldest, was dropped for 'c'.
    expect(await memos.get(1, 'a', async () => 'again')).toBe('again')
  })

  it('names each result by the settings, its name and its arguments, never mixing two', () => {
    const settings = Object.freeze({ language: 'fr', timezone: 'Europe/Paris' })
    const changed = Object.freeze({ ...settings, timezone: 'UTC' })
    expect(memoKey(settings, { name: 'list', args: ['a', 1] })).toBe(memoKey(settings, { name: 'list', args: ['a', 1] }))
    const keys = [
      memoKey(settings, { name: 'list', args: ['a', 1] }),
      memoKey(changed, { name: 'list', args: ['a', 1] }),
      memoKey(settings, { name: 'list', args: ['a 1'] }),
      memoKey(settings, { name: 'list', args: ['a', '1'] }),
      memoKey(settings, { name: 'list a', args: [1] }),
    ]
    expect(new Set(keys).size).toBe(keys.length)
  })
})
