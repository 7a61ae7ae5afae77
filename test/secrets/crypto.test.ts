import { describe, expect, test } from 'bun:test'
import { mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSecrets, resolveEncryptionKey, SecretError } from '../../src/secrets/crypto'

const key = (b: number) => new Uint8Array(32).fill(b)

describe('secrets', () => {
	test('round trip; a fresh IV every time; no plaintext in the envelope', () => {
		const s = createSecrets(key(1))
		const value = { token: 'sk-live-very-secret-123', nested: { password: 'hunter2' } }
		const a = s.encrypt(value)
		const b = s.encrypt(value)
		expect(a.v).toBe(1)
		expect(a.iv).not.toBe(b.iv)
		expect(Buffer.from(a.iv, 'base64').length).toBe(12)
		expect(JSON.stringify(a)).not.toContain('very-secret')
		expect(s.decrypt(a)).toEqual(value)
	})

	test('tampered ciphertext, tag or a wrong key is detected, never garbage', () => {
		const s = createSecrets(key(1))
		const env = s.encrypt({ token: 'abc' })
		const flipped = Buffer.from(env.data, 'base64')
		flipped[0] ^= 1
		expect(() => s.decrypt({ ...env, data: flipped.toString('base64') })).toThrow(SecretError)
		expect(() => s.decrypt({ ...env, tag: Buffer.alloc(16).toString('base64') })).toThrow(
			SecretError,
		)
		expect(() => createSecrets(key(2)).decrypt(env)).toThrow(SecretError)
		expect(() => s.decrypt({ ...env, v: 9 })).toThrow(SecretError)
	})

	test('embedded mode generates a 0600 key once and reuses it', () => {
		const dir = mkdtempSync(join(tmpdir(), 'krawall-key-'))
		const k1 = resolveEncryptionKey({ dataDir: dir, embedded: true })
		const k2 = resolveEncryptionKey({ dataDir: dir, embedded: true })
		expect(Buffer.from(k1).equals(Buffer.from(k2))).toBe(true)
		expect(statSync(join(dir, 'encryption.key')).mode & 0o777).toBe(0o600)
	})

	test('scaled mode refuses to start without a key', () => {
		expect(() => resolveEncryptionKey({ dataDir: '/nonexistent', embedded: false })).toThrow(
			/KRAWALL_ENCRYPTION_KEY is required/,
		)
	})
})
