import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodeKey } from '../config'
import type { EncryptedEnvelope } from '../db/schema'

/**
 * AES-256-GCM with a random 96-bit IV per value. The envelope is versioned so the
 * algorithm or key can be rotated later without guessing what old rows hold.
 */
export interface Secrets {
	encrypt(value: unknown): EncryptedEnvelope
	/** Throws SecretError when the envelope was tampered with or sealed with another key. */
	decrypt<T = unknown>(envelope: EncryptedEnvelope): T
}

export class SecretError extends Error {
	constructor(message: string) {
		super(message)
		this.name = 'SecretError'
	}
}

const VERSION = 1

export function createSecrets(key: Uint8Array): Secrets {
	if (key.length !== 32) throw new SecretError('encryption key must be 32 bytes')
	const k = Buffer.from(key)
	return {
		encrypt(value) {
			const iv = randomBytes(12)
			const cipher = createCipheriv('aes-256-gcm', k, iv)
			const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()])
			return {
				v: VERSION,
				iv: iv.toString('base64'),
				tag: cipher.getAuthTag().toString('base64'),
				data: data.toString('base64'),
			}
		},
		decrypt<T>(envelope: EncryptedEnvelope): T {
			if (!envelope || envelope.v !== VERSION)
				throw new SecretError('unknown secret envelope version')
			try {
				const decipher = createDecipheriv('aes-256-gcm', k, Buffer.from(envelope.iv, 'base64'))
				decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'))
				const plain = Buffer.concat([
					decipher.update(Buffer.from(envelope.data, 'base64')),
					decipher.final(),
				])
				return JSON.parse(plain.toString('utf8')) as T
			} catch {
				throw new SecretError('secret could not be decrypted: wrong key or tampered data')
			}
		},
	}
}

/**
 * The key from configuration, or — in embedded mode only — one generated once into the
 * data directory with mode 0600, so a single-machine install needs no setup.
 */
export function resolveEncryptionKey(opts: {
	configured?: string
	dataDir: string
	embedded: boolean
}): Uint8Array {
	if (opts.configured) {
		const key = decodeKey(opts.configured)
		if (!key) throw new SecretError('KRAWALL_ENCRYPTION_KEY must be 32 bytes (hex or base64)')
		return key
	}
	if (!opts.embedded) {
		throw new SecretError(
			'KRAWALL_ENCRYPTION_KEY is required when DATABASE_URL is set: every server and worker must share it',
		)
	}
	const file = join(opts.dataDir, 'encryption.key')
	if (existsSync(file)) {
		const key = decodeKey(readFileSync(file, 'utf8').trim())
		if (!key) throw new SecretError(`${file} does not hold a valid 32-byte key`)
		return key
	}
	mkdirSync(opts.dataDir, { recursive: true })
	const key = randomBytes(32)
	writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600 })
	chmodSync(file, 0o600)
	return Uint8Array.from(key)
}
