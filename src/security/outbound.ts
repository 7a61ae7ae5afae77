/**
 * Outbound URLs (targets, webhooks, OAuth token URLs) are checked against a deny list —
 * cloud metadata endpoints by default (DESIGN.md §8) — before anything is sent.
 * Returns a reason when the URL is refused, undefined when it is allowed.
 */
export function outboundUrlProblem(
	url: string,
	denyList: string[],
	opts: { protocols?: string[] } = {},
): string | undefined {
	let u: URL
	try {
		u = new URL(url)
	} catch {
		return 'must be a valid URL'
	}
	const protocols = opts.protocols ?? ['http:', 'https:']
	if (!protocols.includes(u.protocol)) return `protocol must be one of ${protocols.join(', ')}`
	const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase()
	if (!host) return 'host is missing'
	for (const entry of denyList) {
		const denied = entry
			.trim()
			.toLowerCase()
			.replace(/^\[|\]$/g, '')
		if (!denied) continue
		if (host === denied || host.endsWith(`.${denied}`))
			return `host ${host} is on the outbound deny list`
	}
	return undefined
}
