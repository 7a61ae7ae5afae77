import { sql } from 'drizzle-orm'
import type { Database } from '../../src/db/client'

/**
 * The statements an endpoint sends, captured at the database layer, and their EXPLAIN plans
 * (test/dashboard/plans.test.ts, bench/dashboards.ts).
 */

export type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] }
export type Statement = { query: string; params: unknown[] }

/** Inlines `$n` parameters as literals so the statement can be EXPLAINed as it was sent. */
export function inline(query: string, params: unknown[]): string {
	return query.replace(/\$(\d+)/g, (_, n) => {
		const v = params[Number(n) - 1]
		if (v === null || v === undefined) return 'NULL'
		if (typeof v === 'number' || typeof v === 'bigint') return String(v)
		if (typeof v === 'boolean') return v ? 'true' : 'false'
		const s = v instanceof Date ? v.toISOString() : typeof v === 'string' ? v : JSON.stringify(v)
		return `'${s.replace(/'/g, "''")}'`
	})
}

/** A plan node and every node under it. */
export function nodes(n: PlanNode): PlanNode[] {
	return [n, ...(n.Plans ?? []).flatMap(nodes)]
}

/** A node reading `session_messages` without an index or filter condition on session_id. */
export const touchesMessagesOutsideOneSession = (n: PlanNode) =>
	n['Relation Name'] === 'session_messages' &&
	!/session_id\s*=/.test(`${n['Index Cond'] ?? ''} ${n['Filter'] ?? ''}`)

/** Runs `fn`, returning what it returned and the reads (`select`/`with`) it sent, in order. */
export async function captureReads<T>(database: Database, fn: () => Promise<T>) {
	const seen: Statement[] = []
	const stop = database.observe((query, params) => seen.push({ query, params }))
	let result: T
	try {
		result = await fn()
	} finally {
		stop()
	}
	return { result, reads: seen.filter((s) => /^\s*(with|select)\b/i.test(s.query)) }
}

/** The JSON plan of a statement as sent; `analyze` runs it and adds the timings. */
export async function explain(database: Database, s: Statement, opts: { analyze?: boolean } = {}) {
	const [row] = await database.rows<Record<string, unknown>>(
		sql.raw(`explain (${opts.analyze ? 'analyze, ' : ''}format json) ${inline(s.query, s.params)}`),
	)
	const raw = row!['QUERY PLAN']
	const [plan] = (typeof raw === 'string' ? JSON.parse(raw) : raw) as {
		Plan: PlanNode
		'Execution Time'?: number
		'Planning Time'?: number
	}[]
	return {
		root: plan!.Plan,
		nodes: nodes(plan!.Plan),
		executionMs: plan!['Execution Time'],
		planningMs: plan!['Planning Time'],
	}
}
