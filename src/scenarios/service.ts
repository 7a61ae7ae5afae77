import { strictProblems } from '../http/strict'
import { Value } from '@sinclair/typebox/value'
import { and, asc, count, desc, eq, getTableColumns, sql, type SQL } from 'drizzle-orm'
import { scenarios, scheduledJobs, sessions, targets } from '../db/schema'
import type { Deps } from '../deps'
import { Conflict, Invalid, NotFound, type ErrorDetail } from '../http/errors'
import { assertStorableText, isStorableText } from '../db/text'
import { toDetails } from '../http/validation'
import { canonicalizeFlow, countSteps, validateFlow } from '../engine/flow-validation'
import type { FlowStep } from '../engine/types'
import { findTemplate, SCENARIO_TEMPLATES } from './templates-library'
import { scenarioFromYaml, scenarioToYaml } from './yaml'
import {
	ScenarioCreate,
	ScenarioUpdate,
	type ScenarioCreateInput,
	type ScenarioDetails,
	type ScenarioListItem,
	type ScenarioUpdateInput,
	type TemplateListItem,
} from './model'

type ScenarioRow = typeof scenarios.$inferSelect
type Db = Pick<Deps, 'db'>

const STATUS_KEY =
	/^([1-5]\d\d|[1-5]xx|timeout|connection_refused|dns|http_error|rate_limited|auth_error|protocol_error|empty_response|response_too_large|unknown)$/

/** Checks beyond the schema: the flow (with the templates it may use) and the error-handling rules. */
export function scenarioProblems(input: Partial<ScenarioCreateInput>): ErrorDetail[] {
	const problems: ErrorDetail[] = []
	if (input.flowConfig !== undefined)
		problems.push(
			...validateFlow(input.flowConfig, { messageTemplates: input.messageTemplates ?? {} }),
		)
	for (const key of Object.keys(input.errorHandling?.statusCodes ?? {})) {
		if (!STATUS_KEY.test(key))
			problems.push({
				code: 'custom',
				path: ['errorHandling', 'statusCodes', key],
				message:
					'Keys are an HTTP status ("429"), a class ("5xx") or an error type ("timeout", "rate_limited"…)',
			})
	}
	const eh = input.errorHandling
	if (eh && eh.maxDelayMs !== undefined && eh.delayMs !== undefined && eh.maxDelayMs < eh.delayMs)
		problems.push({
			code: 'too_small',
			path: ['errorHandling', 'maxDelayMs'],
			message: 'maxDelayMs must be at least delayMs',
		})
	return problems
}

/** Schema + flow validation of a whole scenario, as the editor shows it (never throws). */
export function validateScenario(input: unknown): ErrorDetail[] {
	const candidate = Value.Default(ScenarioCreate, structuredClone(input ?? {}))
	const strict = strictProblems(ScenarioCreate, input ?? {})
	const schemaErrors = Value.Check(ScenarioCreate, candidate)
		? strict
		: [...strict, ...toDetails(Value.Errors(ScenarioCreate, candidate))]
	const flowPath = (d: ErrorDetail) => d.path[0] === 'flowConfig'
	// The flow validator reports its own paths more precisely than the schema can.
	return [
		...schemaErrors.filter((d) => !flowPath(d) || d.path.length === 1),
		...scenarioProblems(candidate as ScenarioCreateInput),
	].filter(
		(d, i, all) =>
			!(d.path.length === 1 && flowPath(d) && all.some((o, j) => j !== i && flowPath(o))),
	)
}

async function assertTarget(deps: Db, targetId: string | null | undefined) {
	if (!targetId) return
	const [t] = await deps.db
		.select({ id: targets.id })
		.from(targets)
		.where(eq(targets.id, targetId))
		.limit(1)
	if (!t) throw new Invalid([{ code: 'custom', path: ['targetId'], message: 'Target not found' }])
}

export async function listScenarios(
	deps: Db,
	filter: { category?: string; isActive?: 'true' | 'false' } = {},
): Promise<ScenarioListItem[]> {
	assertStorableText(filter)
	const where: SQL[] = []
	if (filter.category) where.push(eq(scenarios.category, filter.category))
	if (filter.isActive !== undefined) where.push(eq(scenarios.isActive, filter.isActive === 'true'))
	const sessionCount = deps.db
		.select({ scenarioId: sessions.scenarioId, n: count().as('n') })
		.from(sessions)
		.groupBy(sessions.scenarioId)
		.as('session_counts')
	const rows = await deps.db
		.select({
			...getTableColumns(scenarios),
			sessions: sql<number>`coalesce(${sessionCount.n}, 0)`,
		})
		.from(scenarios)
		.leftJoin(sessionCount, eq(sessionCount.scenarioId, scenarios.id))
		.where(where.length ? and(...where) : undefined)
		.orderBy(desc(scenarios.createdAt), desc(scenarios.id))
	return rows.map(({ sessions: n, flowConfig, messageTemplates, errorHandling, ...row }) => ({
		...row,
		stepCount: countSteps(flowConfig),
		_count: { sessions: Number(n) },
	}))
}

export async function listCategories(deps: Db): Promise<string[]> {
	const rows = await deps.db
		.selectDistinct({ category: scenarios.category })
		.from(scenarios)
		.orderBy(scenarios.category)
	return rows.map((r) => r.category).filter((c): c is string => !!c)
}

export async function getScenarioRow(deps: Db, id: string): Promise<ScenarioRow> {
	if (!isStorableText(id)) throw new NotFound('Scenario not found')
	const [row] = await deps.db.select().from(scenarios).where(eq(scenarios.id, id)).limit(1)
	if (!row) throw new NotFound('Scenario not found')
	return row
}

/** The stored row with its target `{ id, name }` (or null) and session count. */
export async function getScenario(deps: Db, id: string): Promise<ScenarioDetails> {
	const row = await getScenarioRow(deps, id)
	const [[s], [target]] = await Promise.all([
		deps.db.select({ n: count() }).from(sessions).where(eq(sessions.scenarioId, id)),
		row.targetId
			? deps.db
					.select({ id: targets.id, name: targets.name })
					.from(targets)
					.where(eq(targets.id, row.targetId))
					.limit(1)
			: Promise.resolve([]),
	])
	return {
		...row,
		target: target ?? null,
		sessionCount: Number(s?.n ?? 0),
		stepCount: countSteps(row.flowConfig),
	}
}

const COLUMNS = Object.keys(ScenarioCreate.properties) as (keyof ScenarioCreateInput)[]

/** Only the scenario's own fields (a form may carry the editor's controls along). */
function pick<T extends Partial<ScenarioCreateInput>>(input: T): T {
	const out: Record<string, unknown> = {}
	for (const k of COLUMNS) if (input[k] !== undefined) out[k] = input[k]
	return out as T
}

/** The input with its flow in the stored form; a flow validateFlow accepts canonicalizes to steps. */
function validated(input: ScenarioCreateInput): ScenarioCreateInput & { flowConfig: FlowStep[] } {
	const problems = scenarioProblems(input)
	if (problems.length) throw new Invalid(problems)
	return { ...pick(input), flowConfig: canonicalizeFlow(input.flowConfig) as FlowStep[] }
}

export async function createScenario(deps: Db, raw: unknown) {
	const input = validated(parseWith(ScenarioCreate, raw) as ScenarioCreateInput)
	await assertTarget(deps, input.targetId)
	const [row] = await deps.db
		.insert(scenarios)
		.values({
			...input,
			messageTemplates: input.messageTemplates ?? {},
			errorHandling: input.errorHandling ?? null,
		})
		.returning()
	return row
}

export async function updateScenario(deps: Db, id: string, raw: unknown) {
	const patch = parseWith(ScenarioUpdate, raw) as ScenarioUpdateInput
	const current = await getScenarioRow(deps, id)
	// A changed flow or changed templates are checked together: removing a variable a step uses fails.
	const merged = validated({
		name: patch.name ?? current.name,
		flowConfig: patch.flowConfig ?? current.flowConfig,
		messageTemplates: patch.messageTemplates ?? current.messageTemplates,
		errorHandling: patch.errorHandling === undefined ? current.errorHandling : patch.errorHandling,
	})
	if (patch.targetId !== undefined) await assertTarget(deps, patch.targetId)
	const { flowConfig: _unchecked, ...fields } = pick(patch)
	const set: Partial<typeof scenarios.$inferInsert> = { ...fields, updatedAt: new Date() }
	if (patch.flowConfig !== undefined) set.flowConfig = merged.flowConfig
	const [row] = await deps.db.update(scenarios).set(set).where(eq(scenarios.id, id)).returning()
	if (!row) throw new NotFound('Scenario not found')
	return row
}

async function dependents(deps: Db, id: string) {
	const [[s], [j]] = await Promise.all([
		deps.db.select({ n: count() }).from(sessions).where(eq(sessions.scenarioId, id)),
		deps.db.select({ n: count() }).from(scheduledJobs).where(eq(scheduledJobs.scenarioId, id)),
	])
	return { sessions: Number(s?.n ?? 0), schedules: Number(j?.n ?? 0) }
}

function refuse(d: { sessions: number; schedules: number }) {
	if (d.sessions > 0)
		throw new Conflict(
			'Cannot delete scenario with existing sessions',
			`This scenario has ${d.sessions} session(s). Delete sessions first or archive the scenario instead.`,
		)
	if (d.schedules > 0)
		throw new Conflict(
			'Cannot delete scenario with existing scheduled jobs',
			`This scenario has ${d.schedules} scheduled job(s). Delete the schedules first or archive the scenario instead.`,
		)
}

/** Refused with the reference's 400 while sessions or schedules use the scenario. */
export async function deleteScenario(deps: Db, id: string) {
	await getScenarioRow(deps, id)
	refuse(await dependents(deps, id))
	try {
		await deps.db.delete(scenarios).where(eq(scenarios.id, id))
	} catch (e) {
		// A session or schedule created since the check: the foreign key refuses, we explain.
		refuse(await dependents(deps, id))
		throw e
	}
}

function parseWith(schema: typeof ScenarioCreate | typeof ScenarioUpdate, raw: unknown) {
	const strict = strictProblems(schema, raw ?? {})
	if (strict.length) throw new Invalid(strict)
	const v = Value.Default(schema, structuredClone(raw ?? {}))
	if (Value.Check(schema, v)) return assertStorableText(v)
	throw new Invalid(toDetails(Value.Errors(schema, v)))
}

export function listTemplates(): TemplateListItem[] {
	return SCENARIO_TEMPLATES.map((t) => ({ ...t, stepCount: countSteps(t.flowConfig) }))
}

export async function createFromTemplate(
	deps: Db,
	templateId: string,
	overrides: { name?: string; targetId?: string } = {},
) {
	const template = findTemplate(templateId)
	if (!template) throw new NotFound('Template not found')
	const { id: _id, ...fields } = structuredClone(template)
	return createScenario(deps, { ...fields, ...overrides })
}

export async function exportScenario(deps: Db, id: string) {
	const row = await getScenarioRow(deps, id)
	const slug =
		row.name
			.toLowerCase()
			.replace(/[^a-z0-9]+/g, '-')
			.replace(/^-|-$/g, '')
			.slice(0, 60) || 'scenario'
	return { filename: `${slug}.yaml`, yaml: scenarioToYaml(row) }
}

export async function importScenario(deps: Db, text: unknown) {
	if (typeof text !== 'string' || text.trim() === '')
		throw new Invalid(
			'Invalid YAML',
			'Send the YAML document as the body (application/yaml), a "yaml" form field or a "file" upload',
		)
	return createScenario(deps, scenarioFromYaml(text))
}

/**
 * `{ id, name, targetId }` of every scenario (or only the active ones) by name, for pickers and
 * filters; `targetId` is the scenario's default target.
 */
export async function listScenarioOptions(
	deps: Db,
	opts: { activeOnly?: boolean } = {},
): Promise<{ id: string; name: string; targetId: string | null }[]> {
	return deps.db
		.select({ id: scenarios.id, name: scenarios.name, targetId: scenarios.targetId })
		.from(scenarios)
		.where(opts.activeOnly ? eq(scenarios.isActive, true) : undefined)
		.orderBy(asc(scenarios.name))
}
