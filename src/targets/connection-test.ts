import type { Deps } from '../deps'
import { createConnector } from '../connectors/index'
import type { ConnectionTestResult } from './model'
import { loadTargetSpec, recordTestResult } from './service'

const DEFAULT_TEST_MESSAGE =
	'Hello! This is a connection test from Krawall. Please reply with a short greeting.'
const MAX_RESPONSE = 1000
const MAX_RAW = 4000

const truncate = (s: string, n: number) =>
	s.length > n ? `${s.slice(0, n)}… (${s.length - n} more characters)` : s

/**
 * Connects, authenticates and exchanges one real message (health is judged by the exchange,
 * not by a GET on the endpoint's root), then records the outcome on the target.
 */
export async function testTargetConnection(
	deps: Pick<Deps, 'db' | 'secrets' | 'log' | 'clock' | 'config'>,
	id: string,
	input: { message?: string; timeoutMs?: number } = {},
): Promise<ConnectionTestResult> {
	const spec = await loadTargetSpec(deps, id)
	const connector = createConnector(spec, {
		denyList: deps.config.urlDenyList,
		maxReplyBytes: deps.config.maxReplyBytes,
		clock: deps.clock,
	})
	const ac = new AbortController()
	let result
	try {
		const conv = await connector.open(ac.signal)
		try {
			result = await conv.send(input.message ?? DEFAULT_TEST_MESSAGE, {
				history: [],
				signal: ac.signal,
				timeoutMs: input.timeoutMs ?? 30_000,
			})
		} finally {
			await conv.close()
		}
	} finally {
		await connector.close()
	}
	await recordTestResult(deps, id, {
		success: result.success,
		error: result.error?.message ?? null,
	})
	deps.log.info('connection test', {
		targetId: id,
		healthy: result.success,
		errorType: result.error?.type,
		latencyMs: result.responseTimeMs,
	})
	let raw: string | null = null
	if (result.raw !== undefined)
		raw = truncate(
			typeof result.raw === 'string' ? result.raw : JSON.stringify(result.raw, null, 2),
			MAX_RAW,
		)
	return {
		healthy: result.success,
		latencyMs: result.responseTimeMs,
		ttftMs: result.ttftMs ?? null,
		response: result.content === null ? null : truncate(result.content, MAX_RESPONSE),
		tokenUsage: result.usage,
		error: result.error ?? null,
		httpStatus: result.httpStatus ?? null,
		rawResponse: raw,
		testedAt: deps.clock.now().toISOString(),
	}
}
