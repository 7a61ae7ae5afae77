import { afterAll, beforeAll, expect } from 'bun:test'
import { asc, eq } from 'drizzle-orm'
import type { RequestTemplate } from '../../src/connectors/types'
import { scenarios, sessionMessages, sessions, targets } from '../../src/db/schema'
import type { FlowStep } from '../../src/engine/types'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { PRESETS } from '../../src/presets/presets'
import { startWorkers } from '../../src/worker'
import { call, createTestDeps, type TestDeps } from './deps'

export const MOCK_KEY = 'mock-key-12345'

/** A target from a provider preset, pointed at the mock (auth encrypted as the app stores it). */
export async function createPresetTarget(
	deps: TestDeps,
	presetId: string,
	endpoint: string,
	over: {
		protocolConfig?: Record<string, unknown>
		requestTemplate?: Partial<RequestTemplate>
		name?: string
		isActive?: boolean
	} = {},
) {
	const p = PRESETS.find((x) => x.id === presetId)!
	const auth: Record<string, unknown> =
		p.authType === 'BEARER_TOKEN'
			? { token: MOCK_KEY }
			: p.authType === 'API_KEY'
				? { ...(p.authConfigDefaults ?? {}), apiKey: MOCK_KEY }
				: {}
	const [row] = await deps.db
		.insert(targets)
		.values({
			name: over.name ?? `${p.name} (mock)`,
			connectorType: p.connectorType,
			endpoint,
			authType: p.authType,
			authConfig: deps.secrets.encrypt(auth),
			requestTemplate: { ...p.requestTemplate, ...(over.requestTemplate ?? {}) },
			responseTemplate: p.responseTemplate,
			protocolConfig: { ...p.protocolConfig, ...(over.protocolConfig ?? {}) },
			pricing: p.pricing ?? null,
			presetId: p.id,
			isActive: over.isActive ?? true,
		})
		.returning()
	return row
}

export async function createScenario(
	deps: TestDeps,
	values: Partial<typeof scenarios.$inferInsert> & { flowConfig: FlowStep[] },
) {
	const [row] = await deps.db
		.insert(scenarios)
		.values({ name: 'Scenario', ...values })
		.returning()
	return row
}

/** Polls the session until it reaches one of `statuses` (bounded). */
export async function waitForStatus(
	deps: TestDeps,
	id: string,
	statuses: string[],
	timeoutMs = 30_000,
) {
	const end = Date.now() + timeoutMs
	for (;;) {
		const [s] = await deps.db.select().from(sessions).where(eq(sessions.id, id))
		if (s && statuses.includes(s.status)) return s
		if (Date.now() > end)
			throw new Error(
				`session ${id} is ${s?.status}, not ${statuses.join('|')} after ${timeoutMs} ms`,
			)
		await Bun.sleep(25)
	}
}

export async function waitFor<T>(
	fn: () => Promise<T | undefined | false> | T | undefined | false,
	timeoutMs = 15_000,
	what = 'condition',
) {
	const end = Date.now() + timeoutMs
	for (;;) {
		const v = await fn()
		if (v) return v
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
		await Bun.sleep(20)
	}
}

/**
 * The run fixture shared by the execution tests: registers beforeAll/afterAll that create test
 * deps (with `env`), start the mock chatbot (key MOCK_KEY) and the in-process workers, then stop
 * all three. Returns getters, valid inside tests.
 */
export function useMockRun(opts: { env?: Record<string, string> } = {}) {
	let deps: TestDeps | undefined
	let mock: MockServer | undefined
	let workers: ReturnType<typeof startWorkers> | undefined
	beforeAll(async () => {
		deps = await createTestDeps({ env: opts.env })
		mock = await startMockServer({ port: 0, apiKey: MOCK_KEY, grpcPort: false })
		workers = startWorkers(deps)
	})
	afterAll(async () => {
		await workers?.close(2000)
		await mock?.stop()
		await deps?.close()
	})
	return {
		get deps(): TestDeps {
			if (!deps) throw new Error('useMockRun: deps used before beforeAll ran')
			return deps
		},
		get mock(): MockServer {
			if (!mock) throw new Error('useMockRun: mock used before beforeAll ran')
			return mock
		},
	}
}

/** A session's stored messages in order. */
export const messageRows = (deps: TestDeps, sessionId: string) =>
	deps.db
		.select()
		.from(sessionMessages)
		.where(eq(sessionMessages.sessionId, sessionId))
		.orderBy(asc(sessionMessages.seq))

/**
 * Starts a session of `customMessages: ['Hello']` (unless `executionConfig` says otherwise) on an
 * openai-chat target of the mock with `persona`, the mock's counters reset; the session's id.
 */
export async function startOnPersona(
	run: ReturnType<typeof useMockRun>,
	persona: string,
	executionConfig: Record<string, unknown>,
): Promise<string> {
	const target = await createPresetTarget(
		run.deps,
		'openai-chat',
		`${run.mock.url}/persona/${persona}`,
	)
	run.mock.resetStats()
	const r = await call(run.deps.app, 'POST', '/api/execute', {
		targetId: target.id,
		executionConfig: { customMessages: ['Hello'], ...executionConfig },
	})
	expect(r.status).toBe(202)
	return r.json.data.sessionId as string
}
