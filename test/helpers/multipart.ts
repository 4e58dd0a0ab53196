// multipart/form-data bodies, built part by part in the order given (browsers send a form's fields in page order).
import { randomBytes } from 'node:crypto'

export type Part = [name: string, value: string] | [name: string, file: { filename: string; type: string; data: Buffer }]

export function multipart(parts: Part[]): { payload: Buffer; contentType: string } {
  const boundary = `----carnet${randomBytes(8).toString('hex')}`
  const chunks: Buffer[] = []
  for (const [name, value] of parts) {
    if (typeof value === 'string') {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`))
    } else {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${value.filename}"\r\nContent-Type: ${value.type}\r\n\r\n`,
        ),
        value.data,
        Buffer.from('\r\n'),
      )
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` }
}
