import type { targets } from '../db/schema'

type TargetRow = typeof targets.$inferSelect

/**
 * Credentials belong in `authConfig`, which is encrypted and masked (docs/architecture.md §8).
 * `protocolConfig.headers` and `requestTemplate.variables` are stored and shown as written, so a
 * key put there is readable by anyone who can open the target. Saving still works (a header may
 * legitimately look like this); the API response (`warnings`) and the target page say so.
 */
const SECRET_NAME =
	/(authorization|api[-_]?key|token|secret|password|passwd|cookie|credential|x-auth)/i
const SECRET_VALUE = [
	/^(bearer|basic|token)\s+\S{8,}/i,
	/^(sk|pk|rk)-[A-Za-z0-9_-]{16,}/, // OpenAI, Anthropic (sk-ant-…), Stripe-style keys
	/^AIza[0-9A-Za-z_-]{30,}/, // Google API keys
	/^(ghp|gho|ghs|github_pat|xox[abpr])_?[-A-Za-z0-9_]{16,}/, // GitHub, Slack
	/^eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./, // a JWT
]
const looksSecret = (name: string, value: unknown) =>
	typeof value === 'string' &&
	value.length > 0 &&
	(SECRET_NAME.test(name) || SECRET_VALUE.some((re) => re.test(value.trim())))

export function credentialWarnings(
	t: Partial<Pick<TargetRow, 'protocolConfig' | 'requestTemplate'>>,
): string[] {
	const out: string[] = []
	const headers = (t.protocolConfig as { headers?: unknown } | null | undefined)?.headers
	if (headers && typeof headers === 'object')
		for (const [k, v] of Object.entries(headers))
			if (looksSecret(k, v))
				out.push(
					`protocolConfig.headers.${k} looks like a credential: it is stored and shown unencrypted; put it in authConfig (CUSTOM_HEADER or API_KEY) instead`,
				)
	const vars = t.requestTemplate?.variables
	if (vars && typeof vars === 'object')
		for (const [k, v] of Object.entries(vars))
			if (looksSecret(k, v))
				out.push(
					`requestTemplate.variables.${k} looks like a credential: it is stored and shown unencrypted; put it in authConfig instead`,
				)
	return out
}
