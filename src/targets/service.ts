import { credentialWarnings } from './credential-warnings'
import type { Static } from '@sinclair/typebox'
import { and, asc, count, desc, eq, type SQL } from 'drizzle-orm'
import type { AuthConfig, AuthType, ConnectorType, TargetSpec } from '../connectors/types'
import { scenarios, scheduledJobs, sessions, targets } from '../db/schema'
import type { Deps } from '../deps'
import { AppError, Conflict, Invalid, NotFound } from '../http/errors'
import { assertStorableText, isStorableText, storableText } from '../db/text'
import { maskSecrets, restoreMasked } from '../secrets/mask'
import type { TargetSnapshot } from '../sessions/snapshot'
import {
	parseListFilter,
	type CreateTargetInput,
	type ListTargetsQuery,
	type TargetDetails,
	type TargetSummary,
	type UpdateTargetInput,
} from './model'
import { checkEnums, problems, sealAuth, tidy, type Candidate } from './rules'

type TargetRow = typeof targets.$inferSelect
/** What a connector spec is made of: a target row, or the target frozen into a session's snapshot. */
type SpecSource = Pick<
	TargetRow,
	| 'id'
	| 'connectorType'
	| 'endpoint'
	| 'authType'
	| 'authConfig'
	| 'requestTemplate'
	| 'responseTemplate'
	| 'protocolConfig'
>
type Ctx = Pick<Deps, 'db' | 'secrets' | 'config' | 'clock' | 'log'>

/** List and create/update responses: never the auth config or the templates (the reference). */
export function toSummary(row: TargetRow): TargetSummary {
	return {
		id: row.id,
		name: row.name,
		description: row.description,
		connectorType: row.connectorType,
		endpoint: row.endpoint,
		authType: row.authType,
		isActive: row.isActive,
		presetId: row.presetId,
		lastTestAt: row.lastTestAt,
		lastTestSuccess: row.lastTestSuccess,
		lastTestError: row.lastTestError,
		createdAt: row.createdAt,
		updatedAt: row.updatedAt,
	}
}

export async function listTargets(
	deps: Pick<Deps, 'db'>,
	query: Static<typeof ListTargetsQuery> = {},
) {
	const filter = parseListFilter(query)
	const where: SQL[] = []
	if (filter.isActive !== undefined) where.push(eq(targets.isActive, filter.isActive === 'true'))
	if (filter.connectorType) where.push(eq(targets.connectorType, filter.connectorType))
	const rows = await deps.db
		.select()
		.from(targets)
		.where(where.length ? and(...where) : undefined)
		.orderBy(desc(targets.createdAt), desc(targets.id))
	return rows.map(toSummary)
}

/** `{ id, name }` of every target (or only the active ones) by name, for pickers and filters. */
export async function listTargetOptions(
	deps: Pick<Deps, 'db'>,
	opts: { activeOnly?: boolean } = {},
): Promise<{ id: string; name: string }[]> {
	return deps.db
		.select({ id: targets.id, name: targets.name })
		.from(targets)
		.where(opts.activeOnly ? eq(targets.isActive, true) : undefined)
		.orderBy(asc(targets.name))
}

export async function getTargetRow(deps: Pick<Deps, 'db'>, id: string): Promise<TargetRow> {
	if (!isStorableText(id)) throw new NotFound('Target not found')
	const [row] = await deps.db.select().from(targets).where(eq(targets.id, id)).limit(1)
	if (!row) throw new NotFound('Target not found')
	return row
}

/** The decrypted auth config; a wrong key or tampered data is a clear error, never garbage. */
function decryptAuthConfig(
	deps: Pick<Deps, 'secrets' | 'log'>,
	row: Pick<TargetRow, 'id' | 'authConfig'>,
): AuthConfig {
	if (!row.authConfig) return {}
	try {
		return deps.secrets.decrypt<AuthConfig>(row.authConfig)
	} catch {
		deps.log.error('target credentials could not be decrypted', { targetId: row.id })
		throw new AppError(
			500,
			'Failed to decrypt target credentials',
			'The stored auth config could not be decrypted (wrong KRAWALL_ENCRYPTION_KEY or tampered data). Re-enter the credentials to fix it.',
		)
	}
}

/** Everything a connector needs, secrets decrypted in memory only (never stored or logged). */
function targetSpecFromRow(deps: Pick<Deps, 'secrets' | 'log'>, row: SpecSource): TargetSpec {
	return {
		connectorType: row.connectorType,
		endpoint: row.endpoint,
		authType: row.authType,
		authConfig: decryptAuthConfig(deps, row),
		requestTemplate: row.requestTemplate,
		responseTemplate: row.responseTemplate,
		protocolConfig: row.protocolConfig ?? {},
	}
}

/** The spec of the target as a session froze it (its auth is still the envelope stored then). */
export const targetSpecFromSnapshot = (
	deps: Pick<Deps, 'secrets' | 'log'>,
	target: TargetSnapshot,
): TargetSpec => targetSpecFromRow(deps, target)

export async function loadTargetSpec(
	deps: Pick<Deps, 'db' | 'secrets' | 'log'>,
	id: string,
): Promise<TargetSpec> {
	return targetSpecFromRow(deps, await getTargetRow(deps, id))
}

export async function recordTestResult(
	deps: Pick<Deps, 'db' | 'clock'>,
	id: string,
	result: { success: boolean; error?: string | null },
) {
	const [row] = await deps.db
		.update(targets)
		.set({
			lastTestAt: deps.clock.now(),
			lastTestSuccess: result.success,
			lastTestError: result.success
				? null
				: storableText((result.error ?? 'Unknown error').slice(0, 2000)),
		})
		.where(eq(targets.id, id))
		.returning()
	if (!row) throw new NotFound('Target not found')
	return toSummary(row)
}

async function counts(deps: Pick<Deps, 'db'>, id: string) {
	const [[s], [c]] = await Promise.all([
		deps.db.select({ n: count() }).from(sessions).where(eq(sessions.targetId, id)),
		deps.db.select({ n: count() }).from(scenarios).where(eq(scenarios.targetId, id)),
	])
	return { sessionCount: Number(s?.n ?? 0), scenarioCount: Number(c?.n ?? 0) }
}

/** Full details: templates, masked auth config, relationship counts. */
export async function getTarget(
	deps: Pick<Deps, 'db' | 'secrets' | 'log'>,
	id: string,
	opts: { tolerateDecryptError?: boolean } = {},
): Promise<TargetDetails> {
	const row = await getTargetRow(deps, id)
	let auth: AuthConfig = {}
	let authConfigError: string | undefined
	try {
		auth = decryptAuthConfig(deps, row)
	} catch (e) {
		// Pages still show the target (so the credentials can be re-entered); the API reports the error.
		if (!opts.tolerateDecryptError || !(e instanceof AppError)) throw e
		authConfigError = e.message
	}
	return {
		...toSummary(row),
		authConfig: maskSecrets(auth) as Record<string, unknown>,
		...(authConfigError ? { authConfigError } : {}),
		requestTemplate: row.requestTemplate,
		responseTemplate: row.responseTemplate,
		protocolConfig: row.protocolConfig ?? {},
		pricing: row.pricing,
		...(await counts(deps, id)),
		...withWarnings(credentialWarnings(row)),
	}
}

const withWarnings = (w: string[]) => (w.length ? { credentialWarnings: w } : {})

/** The most recent sessions of a target, for its page. */
export async function recentTargetSessions(deps: Pick<Deps, 'db'>, id: string, limit = 10) {
	return deps.db
		.select({
			id: sessions.id,
			status: sessions.status,
			createdAt: sessions.createdAt,
			completedAt: sessions.completedAt,
		})
		.from(sessions)
		.where(eq(sessions.targetId, id))
		.orderBy(desc(sessions.createdAt))
		.limit(limit)
}

export async function createTarget(deps: Ctx, rawInput: CreateTargetInput) {
	assertStorableText(rawInput)
	const input = {
		...rawInput,
		...(checkEnums(rawInput) as { connectorType: ConnectorType; authType: AuthType }),
	}
	const authConfig = input.authConfig ?? {}
	const candidate: Candidate = {
		connectorType: input.connectorType,
		endpoint: input.endpoint.trim(),
		authType: input.authType,
		authConfig,
		requestTemplate: tidy(input.requestTemplate),
		responseTemplate: tidy(input.responseTemplate),
		protocolConfig: input.protocolConfig ?? {},
	}
	const found = problems(deps, candidate)
	if (found.length) throw new Invalid(found)
	const [row] = await deps.db
		.insert(targets)
		.values({
			name: input.name.trim(),
			description: input.description ?? null,
			connectorType: candidate.connectorType,
			endpoint: candidate.endpoint,
			authType: candidate.authType,
			authConfig: sealAuth(deps, candidate.authType, authConfig),
			requestTemplate: candidate.requestTemplate,
			responseTemplate: candidate.responseTemplate,
			protocolConfig: candidate.protocolConfig,
			pricing: input.pricing ?? null,
			presetId: input.presetId ?? null,
			isActive: input.isActive ?? true,
		})
		.returning()
	deps.log.info('target created', { targetId: row!.id, connectorType: row!.connectorType })
	return toSummary(row!)
}

/** PATCH and PUT: every field optional; masked or omitted secrets keep the stored ones. */
export async function updateTarget(deps: Ctx, id: string, rawInput: UpdateTargetInput) {
	assertStorableText(rawInput)
	checkEnums(rawInput)
	const input = rawInput as Omit<UpdateTargetInput, 'connectorType' | 'authType'> & {
		connectorType?: ConnectorType
		authType?: AuthType
	}
	const row = await getTargetRow(deps, id)
	const authType = input.authType ?? row.authType
	let authConfig: unknown
	let sealed = row.authConfig
	if (input.authConfig !== undefined) {
		// Decrypt only when something was sent back masked: new credentials fix an undecryptable row.
		const needsStored = JSON.stringify(input.authConfig).match(/\*\*\*\*|\.\.\./)
		const stored = needsStored && row.authConfig ? decryptAuthConfig(deps, row) : {}
		const { value, unresolved } = restoreMasked(input.authConfig, stored)
		if (unresolved.length) {
			throw new Invalid(
				unresolved.map((p) => ({
					code: 'custom',
					path: ['authConfig', ...p],
					message: 'This is a masked value that matches no stored secret; send the secret itself',
				})),
			)
		}
		authConfig = value
		sealed = sealAuth(deps, authType, authConfig)
	} else if (authType !== row.authType) {
		authConfig = authType === 'NONE' ? {} : decryptAuthConfig(deps, row)
		sealed = sealAuth(deps, authType, authConfig)
	} else {
		authConfig = undefined // unchanged and still sealed; not decrypted, not re-validated
	}
	const candidate: Candidate = {
		connectorType: input.connectorType ?? row.connectorType,
		endpoint: (input.endpoint ?? row.endpoint).trim(),
		authType,
		authConfig: authConfig ?? {},
		requestTemplate: tidy(input.requestTemplate ?? row.requestTemplate),
		responseTemplate: tidy(input.responseTemplate ?? row.responseTemplate),
		protocolConfig: input.protocolConfig ?? row.protocolConfig ?? {},
	}
	const found = problems(deps, candidate).filter(
		(d) => authConfig !== undefined || d.path[0] !== 'authConfig',
	)
	if (found.length) throw new Invalid(found)
	const [updated] = await deps.db
		.update(targets)
		.set({
			name: input.name?.trim() ?? row.name,
			description: input.description !== undefined ? input.description : row.description,
			connectorType: candidate.connectorType,
			endpoint: candidate.endpoint,
			authType,
			authConfig: sealed,
			requestTemplate: candidate.requestTemplate,
			responseTemplate: candidate.responseTemplate,
			protocolConfig: candidate.protocolConfig,
			pricing: input.pricing !== undefined ? input.pricing : row.pricing,
			presetId: input.presetId !== undefined ? input.presetId : row.presetId,
			isActive: input.isActive ?? row.isActive,
			updatedAt: deps.clock.now(),
		})
		.where(eq(targets.id, id))
		.returning()
	if (!updated) throw new NotFound('Target not found')
	deps.log.info('target updated', { targetId: id })
	return toSummary(updated)
}

const refusal = (n: number) =>
	new Conflict(
		'Cannot delete target with existing sessions',
		`This target has ${n} session(s). Delete sessions first or archive the target instead.`,
	)

const scheduleRefusal = (n?: number) =>
	new Conflict(
		'Cannot delete target with existing schedules',
		`This target is used by ${n ?? 'some'} scheduled job(s). Delete those schedules first or archive the target instead.`,
	)

/** Refused with the reference's 400 while sessions (or schedules) reference the target. */
export async function deleteTarget(deps: Pick<Deps, 'db' | 'log'>, id: string) {
	await getTargetRow(deps, id)
	const { sessionCount } = await counts(deps, id)
	if (sessionCount > 0) throw refusal(sessionCount)
	const [schedules] = await deps.db
		.select({ n: count() })
		.from(scheduledJobs)
		.where(eq(scheduledJobs.targetId, id))
	if (Number(schedules?.n ?? 0) > 0) throw scheduleRefusal(Number(schedules!.n))
	try {
		await deps.db.delete(targets).where(eq(targets.id, id))
	} catch (e) {
		// A session or schedule created between the count and the delete: the foreign key refuses it.
		if (isForeignKeyViolation(e)) {
			const again = await counts(deps, id)
			if (again.sessionCount > 0) throw refusal(again.sessionCount)
			throw scheduleRefusal()
		}
		throw e
	}
	deps.log.info('target deleted', { targetId: id })
}

function isForeignKeyViolation(e: unknown): boolean {
	for (let x: any = e, i = 0; x && i < 5; x = x.cause, i++) {
		if (x.code === '23503' || /foreign key constraint/i.test(String(x.message))) return true
	}
	return false
}
