import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { assessments } from '../../src/db/schema'
import { sweepSessions } from '../../src/execution/sweep'
import { call } from '../helpers/deps'
import { startAssessment } from '../helpers/assessments'
import { useMockRun, waitFor } from '../helpers/mock-run'
import { startReceiver } from '../helpers/webhooks'

/**
 * docs/architecture.md §4: a running assessment renews its heartbeat as a session's worker does;
 * the sweep fails one whose heartbeat is older than twice the stall interval ("worker lost",
 * findings kept, `assessment.completed` sent) and leaves a live one alone. The stall interval is
 * 400 ms here (a beat every 100 ms, stale after 800 ms).
 */
const STALL_MS = 400
const run = useMockRun({ env: { KRAWALL_WORKER_STALL_MS: String(STALL_MS) } })
let secret = ''
let rx: ReturnType<typeof startReceiver>
beforeAll(async () => {
	rx = startReceiver(() => secret)
	const r = await call(run.deps.app, 'POST', '/api/webhooks', {
		name: 'assessments',
		url: rx.url,
		events: ['assessment.completed'],
	})
	expect(r.status).toBe(201)
	secret = r.json.data.secret
})
afterAll(() => rx?.stop())

const LIMITS = { maxCostUsd: 1, maxRequests: 40, maxDurationSec: 60 }
const rowOf = async (id: string) =>
	(await run.deps.db.select().from(assessments).where(eq(assessments.id, id)))[0]!
const start = (persona: string, body: Record<string, unknown>) =>
	startAssessment(run, persona, { limits: LIMITS, ...body })
const ended = (id: string) =>
	waitFor(
		async () => {
			const a = await rowOf(id)
			return !['QUEUED', 'RUNNING'].includes(a.status) && a
		},
		40_000,
		'assessment end',
	)
const eventsFor = (id: string) =>
	rx.received
		.filter((x) => x.verified)
		.map((x) => JSON.parse(x.body).data)
		.filter((d) => d.assessment.id === id)

describe('assessment heartbeat and sweep', () => {
	test('a live assessment beats while it runs; sweeps meanwhile leave it alone and it completes', async () => {
		// 12 turns of ≥ 150 ms each: about 2 s, longer than the 800 ms after which a silent one is lost.
		const id = await start('slow:150', { probes: ['depth'], options: { maxDepthTurns: 12 } })
		const first = await waitFor(
			async () => {
				const a = await rowOf(id)
				return a.status === 'RUNNING' && a
			},
			10_000,
			'assessment running',
		)
		const beats = new Set<number>()
		for (let i = 0; i < 4; i++) {
			await Bun.sleep(STALL_MS)
			const a = await rowOf(id)
			if (a.status !== 'RUNNING') break
			beats.add(a.heartbeatAt!.getTime())
			const swept = await sweepSessions(run.deps)
			expect(swept.assessmentsFailed).toBe(0)
		}
		// It ran past the stale bound, renewing its heartbeat all the while.
		expect(beats.size).toBeGreaterThanOrEqual(3)
		expect(Math.max(...beats)).toBeGreaterThan(first.startedAt!.getTime() + 2 * STALL_MS)
		const a = await ended(id)
		expect(a.status).toBe('COMPLETED')
		expect(a.error).toBeNull()
		expect(a.spent.requests).toBe(run.mock.stats.requests)
		expect(a.progress[0]!.status).toBe('done')
		await waitFor(() => eventsFor(id).length > 0, 10_000, 'assessment.completed')
		expect(eventsFor(id).map((d) => d.assessment.status)).toEqual(['COMPLETED'])
	}, 60_000)

	test('a RUNNING assessment whose heartbeat is old is failed "worker lost" by the sweep; a fresh one is not', async () => {
		const done = await ended(await start('obedient:200', { probes: ['output'] }))
		expect(done.status).toBe('COMPLETED')
		expect(done.findings).toHaveLength(1)
		const copy = (heartbeatAt: Date, workerId: string) => ({
			targetId: done.targetId,
			status: 'RUNNING',
			probes: ['output', 'depth'] as typeof done.probes,
			limits: done.limits,
			options: done.options,
			estimate: done.estimate,
			// The output probe done, the depth probe under way when its worker went.
			progress: [
				done.progress[0]!,
				{
					probe: 'depth' as const,
					status: 'running' as const,
					sessionIds: [],
					requests: 0,
					costUsd: 0,
				},
			],
			spent: done.spent,
			findings: done.findings,
			workerId,
			startedAt: new Date(Date.now() - 3600_000),
			heartbeatAt,
		})
		const [stale] = await run.deps.db
			.insert(assessments)
			.values(copy(new Date(Date.now() - 3600_000), 'a-dead-worker'))
			.returning()
		const [live] = await run.deps.db
			.insert(assessments)
			.values(copy(new Date(), 'a-live-worker'))
			.returning()
		run.mock.resetStats()
		const swept = await sweepSessions(run.deps)
		expect(swept.assessmentsFailed).toBe(1)
		const lost = await rowOf(stale!.id)
		expect(lost.status).toBe('FAILED')
		expect(lost.error).toBe('worker lost')
		expect(lost.stopReason).toBe('worker lost')
		expect(lost.completedAt).not.toBeNull()
		// What it found before is kept; the probe it was running is marked failed.
		expect(lost.findings).toEqual(done.findings)
		expect(lost.progress.map((p) => [p.probe, p.status, p.note])).toEqual([
			['output', 'done', undefined],
			['depth', 'failed', 'worker lost'],
		])
		const kept = await rowOf(live!.id)
		expect(kept.status).toBe('RUNNING')
		expect(kept.completedAt).toBeNull()
		// Nothing was sent for either, and the API says the same.
		expect(run.mock.stats.requests).toBe(0)
		const api = await call(run.deps.app, 'GET', `/api/assessments/${stale!.id}`)
		expect(api.json.data.status).toBe('FAILED')
		expect(api.json.data.error).toBe('worker lost')
		// assessment.completed went out for the lost one, once, with its findings.
		await waitFor(() => eventsFor(stale!.id).length > 0, 10_000, 'assessment.completed')
		const [event] = eventsFor(stale!.id)
		expect(event.assessment).toEqual({
			id: stale!.id,
			status: 'FAILED',
			targetId: done.targetId,
			stopReason: 'worker lost',
		})
		expect(event.findings.map((f: { probe: string }) => f.probe)).toEqual(['output'])
		// A second sweep changes nothing; the live one is failed once it is silent too long.
		expect((await sweepSessions(run.deps)).assessmentsFailed).toBe(0)
		expect(eventsFor(stale!.id)).toHaveLength(1)
		await Bun.sleep(2 * STALL_MS + 100)
		expect((await sweepSessions(run.deps)).assessmentsFailed).toBe(1)
		expect((await rowOf(live!.id)).status).toBe('FAILED')
	}, 60_000)

	test('a worker whose assessment was failed elsewhere stops sending and leaves that end as it is', async () => {
		// 30 turns of ≥ 150 ms: about 5 s if nothing stops it.
		const id = await start('slow:150', { probes: ['depth'], options: { maxDepthTurns: 30 } })
		await waitFor(async () => run.mock.stats.requests >= 3, 10_000, 'three requests')
		// What another process's sweep writes when it finds the heartbeat stale.
		await run.deps.db
			.update(assessments)
			.set({
				status: 'FAILED',
				error: 'worker lost',
				stopReason: 'worker lost',
				completedAt: new Date(),
			})
			.where(eq(assessments.id, id))
		// Within a beat (100 ms) it stops: at most the request in flight then still goes out.
		const at = run.mock.stats.requests
		await Bun.sleep(1000)
		const after = run.mock.stats.requests
		expect(after).toBeLessThanOrEqual(at + 2)
		await Bun.sleep(1000)
		expect(run.mock.stats.requests).toBe(after)
		const a = await rowOf(id)
		expect(a.status).toBe('FAILED')
		expect(a.error).toBe('worker lost')
		// Its own end was never written over the sweep's, nor sent.
		expect(a.headline).toBeNull()
		expect(eventsFor(id)).toEqual([])
		expect(run.deps.logs.some((l) => l.includes('assessment no longer ours: stopping'))).toBe(true)
	}, 30_000)
})
