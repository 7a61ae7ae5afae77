import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { csvCell } from '../../src/metrics/csv'
import { EXPORT_PAGE_ROWS, exportSession } from '../../src/metrics/export'
import { call, createTestDeps, type TestDeps } from '../helpers/deps'
import { seedMessages, seedSession, seedTarget } from '../helpers/seed'

/** A strict RFC 4180 reader (quoted fields, doubled quotes, CRLF records) to check what we write. */
function parseCsv(text: string): string[][] {
	const rows: string[][] = []
	let row: string[] = []
	let cell = ''
	let i = 0
	let quoted = false
	while (i < text.length) {
		const c = text[i]
		if (quoted) {
			if (c === '"' && text[i + 1] === '"') ((cell += '"'), (i += 2))
			else if (c === '"') ((quoted = false), i++)
			else ((cell += c), i++)
			continue
		}
		if (c === '"' && cell === '') ((quoted = true), i++)
		else if (c === ',') (row.push(cell), (cell = ''), i++)
		else if (c === '\r' && text[i + 1] === '\n')
			(row.push(cell), rows.push(row), (row = []), (cell = ''), (i += 2))
		else if (c === '\n' || c === '\r' || c === '"')
			throw new Error(`bare ${JSON.stringify(c)} at ${i}`)
		else ((cell += c), i++)
	}
	if (cell !== '' || row.length) throw new Error('last record not CRLF-terminated')
	return rows
}

let deps: TestDeps
let sessionId: string
let emptyId: string
const NASTY = [
	'comma, inside',
	'He said "hi"\nthen left',
	'=HYPERLINK("http://evil.test","x")',
	'+SUM(A1:A2)',
	'-2+3',
	'@cmd',
	'\tleading tab',
	'\rleading CR',
	'plain',
]
beforeAll(async () => {
	deps = await createTestDeps()
	const t = await seedTarget(deps.db, 'Export target')
	sessionId = (await seedSession(deps.db, { targetId: t.id })).id
	emptyId = (await seedSession(deps.db, { targetId: t.id, status: 'QUEUED' })).id
	await seedMessages(
		deps.db,
		sessionId,
		NASTY.map((text, i) => ({
			conversationIndex: i % 2,
			turnIndex: Math.floor(i / 2),
			stepId: i === 0 ? 'step,1' : `s${i}`,
			success: i % 3 !== 2,
			errorType: i % 3 === 2 ? 'http_error' : null,
			errorMessage: text,
			httpStatus: i % 3 === 2 ? 500 : 200,
			responseTimeMs: 100.25 + i,
			ttftMs: i % 2 ? 20.5 : null,
			promptTokens: 10 * (i + 1),
			completionTokens: 5 * (i + 1),
			totalTokens: 15 * (i + 1),
			cachedTokens: i,
			costUsd: i === 7 ? null : 0.000123 * (i + 1),
			repetitionScore: i / 10,
			retries: i % 2,
		})),
	)
})
afterAll(async () => {
	await deps.close()
})

describe('csv cells', () => {
	test('RFC 4180 quoting and formula neutralisation', () => {
		expect(csvCell('a,b')).toBe('"a,b"')
		expect(csvCell('say "x"')).toBe('"say ""x"""')
		expect(csvCell('line\nbreak')).toBe('"line\nbreak"')
		expect(csvCell('=1+1')).toBe("'=1+1")
		expect(csvCell('=cmd|"/C calc"!A0')).toBe(`"'=cmd|""/C calc""!A0"`)
		for (const p of ['+', '-', '@', '\t']) expect(csvCell(`${p}x`)).toBe(`'${p}x`)
		expect(csvCell('\rx')).toBe(`"'\rx"`)
		expect(csvCell(-1.5)).toBe('-1.5')
		expect(csvCell(null)).toBe('')
		expect(csvCell(false)).toBe('false')
		expect(csvCell(new Date('2026-01-01T00:00:00Z'))).toBe('2026-01-01T00:00:00.000Z')
	})
})

describe('GET /api/metrics/export', () => {
	test('CSV: one row per message, quoted, neutralised, as an attachment', async () => {
		const r = await call(deps.app, 'GET', `/api/metrics/export?sessionId=${sessionId}`)
		expect(r.status).toBe(200)
		expect(r.headers.get('content-type')).toStartWith('text/csv')
		expect(r.headers.get('content-disposition')).toMatch(
			new RegExp(
				`^attachment; filename="krawall-session-${sessionId}-\\d{4}-\\d{2}-\\d{2}\\.csv"$`,
			),
		)
		const rows = parseCsv(r.text)
		expect(rows[0]).toEqual([
			'sequence',
			'conversation_index',
			'turn_index',
			'step_id',
			'scheduled_at',
			'sent_at',
			'received_at',
			'response_time_ms',
			'ttft_ms',
			'http_status',
			'success',
			'error_type',
			'error_message',
			'retries',
			'prompt_tokens',
			'completion_tokens',
			'total_tokens',
			'cached_tokens',
			'tokens_estimated',
			'cost_usd',
			'repetition_score',
			'attempts',
		])
		expect(rows.length).toBe(1 + NASTY.length)
		const col = (name: string) => rows[0].indexOf(name)
		const messages = rows.slice(1)
		expect(messages.map((m) => m[col('sequence')])).toEqual(NASTY.map((_, i) => String(i + 1)))
		expect(messages[0][col('step_id')]).toBe('step,1')
		expect(messages.map((m) => m[col('error_message')])).toEqual([
			'comma, inside',
			'He said "hi"\nthen left',
			`'=HYPERLINK("http://evil.test","x")`,
			"'+SUM(A1:A2)",
			"'-2+3",
			"'@cmd",
			"'\tleading tab",
			"'\rleading CR",
			'plain',
		])
		expect(messages[2]).toEqual(
			expect.arrayContaining([
				'3',
				'1',
				'1',
				's2',
				'2026-01-26T20:00:02.000Z',
				'102.25',
				'',
				'500',
				'false',
				'http_error',
			]),
		)
		expect(messages[1][col('ttft_ms')]).toBe('20.5')
		expect(messages[7][col('cost_usd')]).toBe('')
	})

	test('JSON carries the same numbers as the CSV, plus the summary', async () => {
		const [csv, json] = await Promise.all([
			call(deps.app, 'GET', `/api/metrics/export?sessionId=${sessionId}&format=csv`),
			call(deps.app, 'GET', `/api/metrics/export?sessionId=${sessionId}&format=json`),
		])
		expect(json.headers.get('content-type')).toStartWith('application/json')
		expect(json.headers.get('content-disposition')).toContain('.json"')
		const d = json.json.data
		expect(d.session).toMatchObject({
			id: sessionId,
			targetName: 'Export target',
			status: 'COMPLETED',
		})
		expect(d.messages.length).toBe(NASTY.length)
		const rows = parseCsv(csv.text)
		const header = rows[0]
		const names = Object.keys(d.messages[0])
		expect(names.map((n) => n.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`))).toEqual(header)
		rows.slice(1).forEach((row, i) => {
			const m = d.messages[i]
			names.forEach((n, j) => {
				const v = m[n]
				if (v === null) return expect(row[j]).toBe('')
				if (typeof v === 'number') return expect(Number(row[j])).toBe(v)
				if (typeof v === 'boolean') return expect(row[j]).toBe(String(v))
				if (n === 'sentAt' || n === 'receivedAt') return expect(row[j]).toBe(v)
				expect(row[j].replace(/^'(?=[=+\-@\t\r])/, '')).toBe(v)
			})
		})
		// summary from SQL: 6 successes out of 9 (i % 3 !== 2), total tokens 15 × 45
		expect(d.summary.aggregate).toMatchObject({
			totalMessages: 9,
			totalErrors: 3,
			errorRate: 33.33,
			totalTokens: 675,
			unpricedMessages: 1,
		})
		expect(d.summary.aggregate.totalCostUsd).toBeCloseTo(0.000123 * 37, 12)
		expect(d.summary.amplification.outputPerInputToken).toBe(0.5)
		expect(d.summary.amplification.conversations).toBe(2)
	})

	test('keyset pages cover every row exactly once, in order', async () => {
		const res = await exportSession(deps, { sessionId, format: 'json' }, 2)
		const body = await res.json()
		expect(body.data.messages.map((m: any) => m.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
		const csv = await (await exportSession(deps, { sessionId, format: 'csv' }, 4)).text()
		expect(parseCsv(csv).length).toBe(10)
	})

	test('the same bytes whatever the window (the default, the former 1000 rows, 3, 1)', async () => {
		for (const format of ['csv', 'json'] as const) {
			const bodies = await Promise.all(
				[EXPORT_PAGE_ROWS, 1000, 3, 1].map(async (n) =>
					(await exportSession(deps, { sessionId, format }, n)).text(),
				),
			)
			for (const b of bodies.slice(1)) expect(b).toBe(bodies[0]!)
			const viaApi = await call(
				deps.app,
				'GET',
				`/api/metrics/export?sessionId=${sessionId}&format=${format}`,
			)
			expect(viaApi.text).toBe(bodies[0]!)
		}
	})

	test('a session without messages exports a header / an empty list', async () => {
		const csv = await call(deps.app, 'GET', `/api/metrics/export?sessionId=${emptyId}`)
		expect(parseCsv(csv.text).length).toBe(1)
		const json = await call(deps.app, 'GET', `/api/metrics/export?sessionId=${emptyId}&format=json`)
		expect(json.json.data.messages).toEqual([])
		expect(json.json.data.summary.aggregate.totalMessages).toBe(0)
	})

	test('400 without sessionId or with a bad format; 404 for an unknown session', async () => {
		const missing = await call(deps.app, 'GET', '/api/metrics/export')
		expect(missing.status).toBe(400)
		expect(missing.json.details[0]).toMatchObject({
			code: 'invalid_type',
			path: ['sessionId'],
			message: 'Required',
		})
		const format = await call(
			deps.app,
			'GET',
			`/api/metrics/export?sessionId=${sessionId}&format=xml`,
		)
		expect(format.status).toBe(400)
		expect(format.json.details[0].path).toEqual(['format'])
		const unknown = await call(deps.app, 'GET', '/api/metrics/export?sessionId=nope')
		expect(unknown.status).toBe(404)
		expect(unknown.json).toEqual({ success: false, error: 'Session not found' })
	})
})
