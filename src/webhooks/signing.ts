import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Webhook signatures, Stripe-style: `X-Krawall-Signature: t=<unix seconds>,v1=<hex>` where the hex
 * is HMAC-SHA256 over `<t>.<raw body>` keyed with the webhook secret (its UTF-8 bytes). Signing the
 * timestamp lets receivers refuse replays of old deliveries.
 */
export const SIGNATURE_HEADER = 'X-Krawall-Signature'
export const EVENT_HEADER = 'X-Krawall-Event'
export const DELIVERY_HEADER = 'X-Krawall-Delivery'

export const generateSecret = () => `whsec_${randomBytes(24).toString('base64url')}`

/** Shows only that a secret exists and its last four characters, so two can be told apart. */
export const maskSecret = (secret: string) => `whsec_••••••••${secret.slice(-4)}`
export const isMasked = (value: string) => value.includes('••••••••')

const hmacHex = (secret: string, timestamp: number, body: string) =>
	createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')

export const signatureHeader = (secret: string, timestamp: number, body: string) =>
	`t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`

/**
 * The receiver's check, shipped for completeness (and used by the docs): parses the header,
 * recomputes the HMAC in constant time and refuses timestamps outside the tolerance.
 */
export function verifySignature(opts: {
	secret: string
	header: string | null
	body: string
	nowSeconds: number
	toleranceSeconds?: number
}): boolean {
	if (!opts.header) return false
	const parts = Object.fromEntries(
		opts.header.split(',').map((p) => {
			const i = p.indexOf('=')
			return [p.slice(0, i).trim(), p.slice(i + 1).trim()]
		}),
	)
	const t = Number(parts.t)
	if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(parts.v1 ?? '')) return false
	if (Math.abs(opts.nowSeconds - t) > (opts.toleranceSeconds ?? 300)) return false
	const expected = Buffer.from(hmacHex(opts.secret, t, opts.body), 'hex')
	return timingSafeEqual(expected, Buffer.from(parts.v1, 'hex'))
}
