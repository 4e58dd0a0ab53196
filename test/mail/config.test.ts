// SMTP_URL and MAIL_FROM: checked at start-up like every variable, the password never echoed.
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.ts'

describe('mail configuration', () => {
  it('is off without SMTP_URL', () => {
    expect(loadConfig({}).mail).toBeNull()
  })

  it('takes smtp:// (STARTTLS when offered) and smtps:// (implicit TLS)', () => {
    const c = loadConfig({ SMTP_URL: 'smtp://apikey:s3cret@smtp.sendgrid.net:587', SITE_URL: 'https://blog.example.org' })
    expect(c.mail).toEqual({
      smtpUrl: 'smtp://apikey:s3cret@smtp.sendgrid.net:587',
      from: 'noreply@blog.example.org',
      perHour: 5,
      retrySeconds: 30,
    })
    expect(loadConfig({ SMTP_URL: 'smtps://u:p@ssl0.ovh.net:465', MAIL_FROM: 'Mon carnet <blog@example.org>' }).mail?.from).toBe(
      'Mon carnet <blog@example.org>',
    )
  })

  it('refuses a bad URL with one line that hides the password', () => {
    for (const bad of ['http://user:hunter2@mail.example.org', 'smtp://', 'mail.example.org:587']) {
      expect(() => loadConfig({ SMTP_URL: bad })).toThrow(ConfigError)
      try {
        loadConfig({ SMTP_URL: bad })
      } catch (err) {
        expect((err as Error).message).toMatch(/^Invalid configuration: SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL/)
        expect((err as Error).message).not.toContain('hunter2')
      }
    }
  })

  it('refuses a From that is not an address, and a rate of 0', () => {
    expect(() => loadConfig({ SMTP_URL: 'smtp://localhost', MAIL_FROM: 'le blog' })).toThrow(/MAIL_FROM must be an address/)
    expect(() => loadConfig({ SMTP_URL: 'smtp://localhost', MAIL_PER_HOUR: '0' })).toThrow(/MAIL_PER_HOUR must be at least 1/)
  })
})
