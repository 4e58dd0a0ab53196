// Posts comments over real HTTP the way a browser form does, and keeps the acknowledged ones.
export interface Ack {
  id: number
  body: string
}

/** An open thread of the demo blog. */
export const OPEN_DEMO_POST = '/archive/2017/09/02/bienvenue-sur-ce-carnet.html'

export async function postComment(
  baseUrl: string,
  path: string,
  fields: Record<string, string>,
): Promise<{ status: number; location: string | null; text: string }> {
  const res = await fetch(baseUrl + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  })
  const text = res.status === 303 ? '' : await res.text()
  return { status: res.status, location: res.headers.get('location'), text }
}

/** The comment id in a `…#comment-<id>` redirect. */
export function commentIdOf(location: string | null): number | null {
  const m = /#comment-(\d+)$/.exec(location ?? '')
  return m ? Number(m[1]) : null
}

/** Runs `count` tasks with at most `concurrency` in flight. */
export async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count)
  let next = 0
  const workers = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const i = next++
      results[i] = await task(i)
    }
  })
  await Promise.all(workers)
  return results
}
