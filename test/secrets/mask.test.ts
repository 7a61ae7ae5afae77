import { describe, expect, test } from 'bun:test'
import {
	looksMasked,
	MASK_SHORT,
	maskSecrets,
	maskValue,
	restoreMasked,
} from '../../src/secrets/mask'

describe('maskValue', () => {
	test('long values keep 4 + 4 characters, short ones become ****', () => {
		expect(maskValue('your-api-token-1')).toBe('your...en-1')
		expect(maskValue('sk-proj-0123456789abcdefghij')).toBe('sk-p...ghij')
		expect(maskValue('fifteen-chars-x')).toBe(MASK_SHORT)
		expect(maskValue('')).toBe(MASK_SHORT)
		expect(maskValue(12345)).toBe(MASK_SHORT)
	})
	test('a partial mask never shows more than half of the secret', () => {
		for (let n = 1; n < 64; n++) {
			const m = maskValue('s'.repeat(n))
			const shown = m.replace('...', '').replace(MASK_SHORT, '').length
			expect(shown * 2).toBeLessThanOrEqual(n)
		}
	})
	test('looksMasked recognises both forms only', () => {
		expect(looksMasked('your...en-1')).toBe(true)
		expect(looksMasked('****')).toBe(true)
		expect(looksMasked('your-api-token-1')).toBe(false)
		expect(looksMasked('a...b')).toBe(false)
	})
})

describe('maskSecrets', () => {
	test('every secret leaf of every auth type; identifiers stay visible', () => {
		expect(maskSecrets({ token: 'your-api-token-1' })).toEqual({ token: 'your...en-1' })
		expect(
			maskSecrets({ apiKey: 'sk-ant-api03-abcdefgh', headerName: 'x-api-key', queryParam: 'key' }),
		).toEqual({
			apiKey: 'sk-a...efgh',
			headerName: 'x-api-key',
			queryParam: 'key',
		})
		expect(maskSecrets({ username: 'alice', password: 'hunter2' })).toEqual({
			username: 'alice',
			password: '****',
		})
		expect(
			maskSecrets({
				tokenUrl: 'https://a/t',
				clientId: 'cid',
				clientSecret: 'client-secret-value-1',
				scope: 's',
				audience: 'a',
			}),
		).toEqual({
			tokenUrl: 'https://a/t',
			clientId: 'cid',
			clientSecret: 'clie...ue-1',
			scope: 's',
			audience: 'a',
		})
		expect(maskSecrets({})).toEqual({})
	})
	test('any depth: header values, nested objects and arrays, even under "visible" names', () => {
		const masked = maskSecrets({
			headers: {
				'X-Api-Key': 'header-secret-123456',
				username: 'nested-username-is-secret',
				'X-Short': 'abc',
			},
			extra: { deep: [{ value: 'deep-secret-value-xyz' }, 'array-secret-value-1', 7] },
		})
		expect(masked).toEqual({
			headers: { 'X-Api-Key': 'head...3456', username: 'nest...cret', 'X-Short': '****' },
			extra: { deep: [{ value: 'deep...-xyz' }, 'arra...ue-1', '****'] },
		})
		expect(JSON.stringify(masked)).not.toMatch(/header-secret|deep-secret|array-secret/)
	})
})

describe('restoreMasked', () => {
	const stored = {
		apiKey: 'sk-live-0123456789abcdef',
		headerName: 'x-api-key',
		headers: { A: 'aaaaaaaaaaaaaaaaaaaa', B: 'short' },
	}
	test('masked leaves sent back keep the stored secret, leaf by leaf', () => {
		const incoming = maskSecrets(stored)
		const { value, unresolved } = restoreMasked(
			{ ...(incoming as object), headerName: 'api-key' },
			stored,
		)
		expect(unresolved).toEqual([])
		expect(value).toEqual({ ...stored, headerName: 'api-key' })
	})
	test('new values replace; a masked value that matches nothing is reported', () => {
		const { value, unresolved } = restoreMasked(
			{ apiKey: 'new-key-0000000000000', headers: { A: 'aaaa...aaaa', C: '****' } },
			stored,
		)
		expect(value).toEqual({
			apiKey: 'new-key-0000000000000',
			headers: { A: 'aaaaaaaaaaaaaaaaaaaa', C: '****' },
		})
		expect(unresolved).toEqual([['headers', 'C']])
		// The mask of a different secret is not accepted as that secret.
		expect(restoreMasked({ apiKey: 'sk-l...ffff' }, stored).unresolved).toEqual([['apiKey']])
	})
})
