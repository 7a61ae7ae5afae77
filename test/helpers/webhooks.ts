import { createHmac, timingSafeEqual } from 'node:crypto'
import { scenarios, sessionMessages, sessions, targets } from '../../src/db/schema'
import type { Deps } from '../../src/deps'
import { seededSummary, unrunSnapshot } from './seed'

export type Received = { headers: Headers; body: string; verified: boolean; reason?: string }

/**
 * A webhook receiver as a customer would write it, with its own HMAC check (nothing imported
 * from src/): `t=<unix>,v1=<hex of HMAC-SHA256("<t>.<body>")>`, 5-minute tolerance.
 * `respond` picks the status for the n-th request (1-based).
 */
export function startReceiver(
	secret: () => string,
	respond: (n: number) => number | Response = () => 200,
) {
	const received: Received[] = []
	const check = (header: string | null, body: string): string | undefined => {
		const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '')
		if (!m) return 'malformed signature header'
		const t = Number(m[1])
		if (Math.abs(Date.now() / 1000 - t) > 300) return 'stale timestamp'
		const mine = createHmac('sha256', secret()).update(`${t}.${body}`).digest()
		return timingSafeEqual(mine, Buffer.from(m[2]!, 'hex')) ? undefined : 'bad signature'
	}
	const server = Bun.serve({
		hostname: '127.0.0.1',
		port: 0,
		async fetch(req) {
			const body = await req.text()
			const reason = check(req.headers.get('x-krawall-signature'), body)
			received.push({ headers: req.headers, body, verified: !reason, reason })
			if (reason) return new Response(reason, { status: 400 })
			const r = respond(received.filter((x) => x.verified).length)
			return typeof r === 'number' ? new Response(r < 300 ? 'ok' : 'nope', { status: r }) : r
		},
	})
	return { url: `http://127.0.0.1:${server.port}/hook`, received, stop: () => server.stop(true) }
}

/** Polls until `fn` returns a truthy value; bounded (fails the test instead of hanging). */
export async function waitFor<T>(
	fn: () => Promise<T> | T,
	what: string,
	timeoutMs = 15_000,
): Promise<NonNullable<T>> {
	const deadline = Date.now() + timeoutMs
	for (;;) {
		const v = await fn()
		if (v) return v as NonNullable<T>
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
		await Bun.sleep(20)
	}
}

/** A target, a scenario and a finished session inserted directly (no run needed). */
export async function seedSession(
	deps: Pick<Deps, 'db'>,
	opts: {
		status?: 'COMPLETED' | 'FAILED' | 'CANCELLED'
		messages?: { ok: boolean; ms: number; cost?: number; tokens?: number }[]
	} = {},
) {
	const [target] = await deps.db
		.insert(targets)
		.values({
			name: 'Target <b>1</b>',
			connectorType: 'HTTP_REST',
			endpoint: 'http://127.0.0.1:9/chat',
			requestTemplate: { messagePath: 'message' },
			responseTemplate: { responsePath: 'reply' },
		})
		.returning()
	const [scenario] = await deps.db
		.insert(scenarios)
		.values({
			name: 'Scenario A',
			flowConfig: [{ id: 's1', type: 'message', config: { message: 'hi' } }],
		})
		.returning()
	const now = new Date()
	const [session] = await deps.db
		.insert(sessions)
		.values({
			targetId: target!.id,
			scenarioId: scenario!.id,
			status: opts.status ?? 'COMPLETED',
			executionConfig: unrunSnapshot(),
			startedAt: now,
			completedAt: now,
			summaryMetrics: seededSummary({ totalMessages: opts.messages?.length ?? 0 }),
		})
		.returning()
	const msgs = opts.messages ?? []
	if (msgs.length) {
		await deps.db.insert(sessionMessages).values(
			msgs.map((m, i) => ({
				sessionId: session!.id,
				seq: i,
				conversationIndex: 0,
				turnIndex: i,
				requestContent: 'q',
				responseContent: m.ok ? 'a' : null,
				sentAt: now,
				responseTimeMs: m.ms,
				success: m.ok,
				costUsd: m.cost ?? 0,
				totalTokens: m.tokens ?? 0,
			})),
		)
	}
	return { target: target!, scenario: scenario!, session: session! }
}
