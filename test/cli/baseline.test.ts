import { beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseRunArgs } from '../../src/cli/run-args'
import { targets } from '../../src/db/schema'
import { attr, elements, validateJUnit, withDocument } from '../compare/junit-schema'
import { useCliRun } from '../helpers/cli'
import { createPresetTarget } from '../helpers/mock-run'

/** `krawall run --baseline … --fail-on-regression … --junit`: real services, worker and mock. */
const ctx = useCliRun()
let cheap = ''
let dear = ''
const dir = mkdtempSync(join(tmpdir(), 'krawall-baseline-'))
const PRICE = { inputPerMTok: 1, outputPerMTok: 4 }

beforeAll(async () => {
	// The same mock behind two targets; the second pays 30 % more per token.
	for (const [name, factor] of [
		['cheap', 1],
		['dear', 1.3],
	] as const) {
		const t = await createPresetTarget(ctx.deps, 'openai-chat', ctx.mock.url, { name })
		await ctx.deps.db
			.update(targets)
			.set({
				pricing: {
					inputPerMTok: PRICE.inputPerMTok * factor,
					outputPerMTok: PRICE.outputPerMTok * factor,
				},
			})
			.where(eq(targets.id, t.id))
		if (name === 'cheap') cheap = t.id
		else dear = t.id
	}
})

const run = (argv: string[]) => ctx.run(argv, {})
const messages = ['--message', 'Explain caching', '--message', 'Now longer', '--repetitions', '3']
const GATE = 'cost-per-conversation:+10%,error-rate:+1,tokens:+5%'

describe('krawall run --baseline', () => {
	test('an equal run passes (baseline from the --json file); the table and a valid JUnit file', async () => {
		const first = await run(['--target', cheap, ...messages, '--json'])
		expect(first.code).toBe(0)
		const file = join(dir, 'baseline.json')
		writeFileSync(file, first.out)
		const junit = join(dir, 'equal.xml')
		ctx.mock.resetStats()
		const r = await run([
			'--target',
			cheap,
			...messages,
			'--baseline',
			file,
			'--fail-on-regression',
			GATE,
			'--junit',
			junit,
		])
		expect(r.code).toBe(0)
		expect(ctx.mock.stats.requests).toBe(6)
		expect(r.out).toContain(`compared with ${JSON.parse(first.out).id}`)
		expect(r.out).toMatch(/cost per conversation\s+\$[\d.]+\s+\$[\d.]+\s+\$0\.00\s+0\.0 %/)
		expect(r.err).not.toContain('regression:')
		const xml = readFileSync(junit, 'utf8')
		expect(validateJUnit(xml)).toEqual({ wellFormed: true, valid: true, errors: [] })
		withDocument(xml, (doc) => {
			const cases = elements(doc, '//testcase').map((c) => [
				attr(c, 'name'),
				c.get('failure') ? 'failure' : c.get('error') ? 'error' : 'pass',
			])
			expect(cases).toEqual([
				['session completed', 'pass'],
				// The built-in checks of every run (off with --allow-errors) are test cases too.
				['notEveryMessageFailed', 'pass'],
				['noAuthErrors', 'pass'],
				['cost-per-conversation:+10%', 'pass'],
				['error-rate:+1', 'pass'],
				['tokens:+5%', 'pass'],
			])
		})
	})

	test('a 30 % costlier run regresses: exit 3, the verdict in --json and a JUnit failure', async () => {
		const base = await run(['--target', cheap, ...messages, '--json'])
		const baseline = JSON.parse(base.out)
		const junit = join(dir, 'dear.xml')
		const r = await run([
			'--target',
			dear,
			...messages,
			'--baseline',
			baseline.id,
			'--fail-on-regression',
			GATE,
			'--fail-on-error-rate',
			'0',
			'--junit',
			junit,
			'--json',
		])
		expect(r.code).toBe(3)
		const out = JSON.parse(r.out)
		expect(out.regression.baseline).toBe(baseline.id)
		expect(out.regression.passed).toBe(false)
		const [cost, errors, tokens] = out.regression.checks
		expect(cost).toMatchObject({ metric: 'cost-per-conversation', status: 'regressed' })
		// The same replies at 1.3 × the price (cost is rounded to 10⁻⁹ $ per conversation).
		expect(cost.current / cost.baseline).toBeCloseTo(1.3, 4)
		expect(cost.deltaPct).toBeCloseTo(30, 2)
		expect(cost.baseline).toBe(baseline.summaryMetrics.costPerConversationUsd)
		expect(errors.status).toBe('pass')
		expect(tokens).toMatchObject({ status: 'pass', delta: 0 })
		expect(r.err).toMatch(
			/regression: cost per conversation .* \(\+30\.0 %\), allowed \+10 %: regressed/,
		)
		const xml = readFileSync(junit, 'utf8')
		expect(validateJUnit(xml).valid).toBe(true)
		withDocument(xml, (doc) => {
			const [suite] = elements(doc, '/testsuites/testsuite')
			// session, 2 built-in checks, the error-rate threshold, 3 regression checks
			expect(attr(suite, 'tests')).toBe('7')
			expect(attr(suite, 'failures')).toBe('1')
			const failed = elements(doc, '//testcase[failure]').map((c) => attr(c, 'name'))
			expect(failed).toEqual(['cost-per-conversation:+10%'])
			const props = elements(doc, '//property').map((p) => attr(p, 'value'))
			expect(props).toContain(baseline.id)
		})
	})

	test('bad baselines and specs are usage errors, before anything runs', async () => {
		expect(() =>
			parseRunArgs(['--target', 'x', '--message', 'y', '--fail-on-regression', 'p95:+5%']),
		).toThrow('--fail-on-regression needs --baseline')
		expect(() =>
			parseRunArgs([
				'--target',
				'x',
				'--message',
				'y',
				'--baseline',
				'b',
				'--fail-on-regression',
				'p95:5',
			]),
		).toThrow('--fail-on-regression: p95 takes a relative limit in %')
		const before = ctx.mock.stats.requests
		await expect(
			run(['--target', cheap, ...messages, '--baseline', 'no-such-run']),
		).rejects.toThrow('neither a file nor a session id')
		const empty = join(dir, 'empty.json')
		writeFileSync(empty, '{"status":"COMPLETED"}')
		await expect(run(['--target', cheap, ...messages, '--baseline', empty])).rejects.toThrow(
			'no summaryMetrics',
		)
		expect(ctx.mock.stats.requests).toBe(before)
	})
})
