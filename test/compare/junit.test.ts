import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import {
	escapeAttr,
	escapeText,
	junitTimestamp,
	renderJUnit,
	xmlSafe,
	type JUnitSuite,
} from '../../src/compare/junit'
import { runSuite } from '../../src/compare/junit-run'
import { evaluateRegressions, parseRegressionChecks } from '../../src/compare/regression'
import { attr, elements, validateJUnit, withDocument } from './junit-schema'
import { summary } from './summary-fixture'

const started = new Date('2025-03-04T05:06:07.890Z')

function ciRun() {
	const verdict = evaluateRegressions(
		summary(),
		summary({ costPerConversationUsd: 0.1274, ttft: null }),
		parseRegressionChecks('cost-per-conversation:+10%,p95:+20%,ttft-p95:+10%'),
	)
	return runSuite({
		sessionId: 'ses_1',
		name: 'Long chat → mock <gpt> & "friends"',
		startedAt: started,
		durationMs: 12_345,
		session: { passed: true, message: 'COMPLETED (completed)' },
		thresholds: [
			{ name: 'error rate ≤ 5 %', passed: true, message: 'error rate 2.00 % within 5 %' },
			{ name: 'p95 ≤ 500 ms', passed: false, message: 'p95 response time 800.0 ms exceeds 500 ms' },
		],
		regressions: verdict.checks,
		properties: { 'krawall.baseline': 'ses_0' },
		summaryText: 'messages 200\ncost $1.96',
	})
}

describe('JUnit XML for a run', () => {
	test('validates against the JUnit schema; one case per threshold and regression check', () => {
		const xml = renderJUnit([ciRun()])
		expect(validateJUnit(xml)).toEqual({ wellFormed: true, valid: true, errors: [] })
		withDocument(xml, (doc) => {
			const [suite] = elements(doc, '/testsuites/testsuite')
			expect(attr(suite, 'name')).toBe('Long chat → mock <gpt> & "friends"')
			expect(attr(suite, 'tests')).toBe('6')
			expect(attr(suite, 'failures')).toBe('2')
			expect(attr(suite, 'errors')).toBe('1')
			expect(attr(suite, 'skipped')).toBe('0')
			expect(attr(suite, 'time')).toBe('12.345')
			expect(attr(suite, 'timestamp')).toBe('2025-03-04T05:06:07')
			expect(attr(suite, 'id')).toBe('ses_1')
			const props = elements(doc, '//property').map((p) => [attr(p, 'name'), attr(p, 'value')])
			expect(props).toEqual([
				['krawall.session', 'ses_1'],
				['krawall.baseline', 'ses_0'],
			])
			const cases = elements(doc, '//testcase').map((c) => [
				attr(c, 'classname'),
				attr(c, 'name'),
				c.get('failure') ? 'failure' : c.get('error') ? 'error' : 'pass',
			])
			expect(cases).toEqual([
				['krawall.session', 'session completed', 'pass'],
				['krawall.threshold', 'error rate ≤ 5 %', 'pass'],
				['krawall.threshold', 'p95 ≤ 500 ms', 'failure'],
				['krawall.regression', 'cost-per-conversation:+10%', 'failure'],
				['krawall.regression', 'p95:+20%', 'pass'],
				['krawall.regression', 'ttft-p95:+10%', 'error'],
			])
			const failures = elements(doc, '//failure').map((f) => [attr(f, 'type'), attr(f, 'message')])
			expect(failures).toEqual([
				['threshold', 'p95 response time 800.0 ms exceeds 500 ms'],
				[
					'regression',
					'cost per conversation $0.0980 → $0.1274 (+30.0 %), allowed +10 %: regressed',
				],
			])
			expect(attr(elements(doc, '//error')[0], 'type')).toBe('unavailable')
			expect(elements(doc, '/testsuites/testsuite/system-out')[0].content).toBe(
				'messages 200\ncost $1.96',
			)
			const [root] = elements(doc, '/testsuites')
			expect([attr(root, 'tests'), attr(root, 'failures'), attr(root, 'errors')]).toEqual([
				'6',
				'2',
				'1',
			])
		})
	})

	test('a batch: one suite per run; totals add up; a failed session is an error case', () => {
		const failed = runSuite({
			sessionId: 'ses_2',
			name: 'second target',
			startedAt: null,
			durationMs: null,
			session: { passed: false, message: 'FAILED: every message failed (auth_error 20)' },
		})
		const xml = renderJUnit([ciRun(), failed], { name: 'batch b1' })
		expect(validateJUnit(xml).valid).toBe(true)
		withDocument(xml, (doc) => {
			expect(elements(doc, '/testsuites/testsuite').map((s) => attr(s, 'id'))).toEqual([
				'ses_1',
				'ses_2',
			])
			const [, second] = elements(doc, '/testsuites/testsuite')
			expect(attr(second, 'timestamp')).toBeNull()
			expect(attr(second, 'time')).toBe('0.000')
			const [root] = elements(doc, '/testsuites')
			expect([
				attr(root, 'name'),
				attr(root, 'tests'),
				attr(root, 'errors'),
				attr(root, 'time'),
			]).toEqual(['batch b1', '7', '2', '12.345'])
		})
	})

	test('no suites at all is still a valid document', () => {
		expect(validateJUnit(renderJUnit([])).valid).toBe(true)
	})
})

describe('the schema check is real: invalid documents are refused', () => {
	const valid = renderJUnit([ciRun()])
	test.each([
		['a testsuite without a name', valid.replace(/<testsuite name="[^"]*"/, '<testsuite')],
		['a testcase without a classname', valid.replace(/ classname="krawall.session"/, '')],
		[
			'a failure outside any testcase',
			valid.replace('<properties>', '<failure message="x"/><properties>'),
		],
		['a failure and a skipped in one case', valid.replace('<failure ', '<skipped/><failure ')],
		['time with an exponent', valid.replace('time="12.345"', 'time="1.2345e1"')],
		['a negative time', valid.replace('time="12.345"', 'time="-1"')],
		['a timestamp with a zone', valid.replace('2025-03-04T05:06:07', '2025-03-04T05:06:07Z')],
		['a count that is not a number', valid.replace('tests="6" failures', 'tests="six" failures')],
		['an unknown element', valid.replace('<properties>', '<results/><properties>')],
	])('%s', (_, xml) => {
		expect(xml).not.toBe(valid)
		const v = validateJUnit(xml)
		expect(v.wellFormed).toBe(true)
		expect(v.valid).toBe(false)
		expect(v.errors.length).toBeGreaterThan(0)
	})

	test('a raw control character makes the document ill-formed (hence the escaping)', () => {
		const v = validateJUnit(valid.replace('session completed', 'session\u0001completed'))
		expect(v.wellFormed).toBe(false)
		expect(v.valid).toBe(false)
	})
})

describe('escaping', () => {
	test('markup, quotes and whitespace in attributes; controls and lone surrogates replaced', () => {
		expect(escapeAttr(`<a href="x">&'\t\n\r`)).toBe(
			'&lt;a href=&quot;x&quot;&gt;&amp;&apos;&#9;&#10;&#13;',
		)
		expect(escapeText('a]]>b & <c>\r\n')).toBe('a]]&gt;b &amp; &lt;c&gt;&#13;\n')
		expect(xmlSafe('a\u0000b\u001Fc\u0007\uFFFE\uFFFF')).toBe('a\uFFFDb\uFFFDc\uFFFD\uFFFD\uFFFD')
		expect(xmlSafe('\uD800x\uDC00')).toBe('\uFFFDx\uFFFD')
		// kept: tab, LF, CR, a surrogate pair, C1 controls (legal in XML 1.0), BOM
		expect(xmlSafe('\t\n\r😀\u0085\uFEFF')).toBe('\t\n\r😀\u0085\uFEFF')
	})

	test('the timestamp drops milliseconds and is UTC; dates it cannot carry are omitted', () => {
		expect(junitTimestamp(new Date('2025-12-31T23:59:59.999+02:00'))).toBe('2025-12-31T21:59:59')
		expect(junitTimestamp(new Date('9999-12-31T23:59:59Z'))).toBe('9999-12-31T23:59:59')
		for (const bad of ['nope', '+010000-01-01T00:00:00Z', '0000-06-01T00:00:00Z']) {
			expect(junitTimestamp(new Date(bad))).toBeNull()
			const xml = renderJUnit([{ name: 's', timestamp: new Date(bad), cases: [] }])
			expect(xml).not.toContain('timestamp=')
			expect(validateJUnit(xml).valid).toBe(true)
		}
	})

	test('a property without a name is left out (strict readers refuse one)', () => {
		const xml = renderJUnit([{ name: 's', properties: { '': 'x', k: 'v' }, cases: [] }])
		expect(validateJUnit(xml).valid).toBe(true)
		withDocument(xml, (doc) =>
			expect(elements(doc, '//property').map((p) => attr(p, 'name'))).toEqual(['k']),
		)
	})
})

describe('hostile input: the output always parses, validates and reads back', () => {
	// The reader (emscripten's UTF8ToString in libxml2-wasm) decodes strings over 16 bytes with
	// TextDecoder, which drops one leading U+FEFF; the document does carry it (test below), so
	// both sides of the comparison lose it.
	const read = (v: string | null) => v?.replace(/^\uFEFF/, '') ?? null
	const expected = (v: string) => read(xmlSafe(v))

	test('a leading U+FEFF is written, not lost', () => {
		const xml = renderJUnit([{ name: '\uFEFF\u0000\u0000\u0000\u0000\u0000', cases: [] }])
		expect(xml).toContain('<testsuite name="\uFEFF\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD"')
		expect(validateJUnit(xml).valid).toBe(true)
	})

	// Any UTF-16 code unit, so lone surrogates, NUL and other controls are generated.
	const anyText = fc.string({
		unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
		maxLength: 40,
	})
	const mixed = fc.oneof(
		anyText,
		fc.string({ unit: 'binary', maxLength: 40 }),
		fc.constantFrom(']]>', '&amp;', '<!--', '"\'', '\r\n', ' \t '),
	)
	const caseArb = fc.record({
		name: mixed,
		classname: mixed,
		timeSec: fc.option(fc.double(), { nil: undefined }),
		outcome: fc.option(
			fc.record({
				kind: fc.constantFrom('failure', 'error', 'skipped') as fc.Arbitrary<
					'failure' | 'error' | 'skipped'
				>,
				message: mixed,
				type: fc.option(mixed, { nil: undefined }),
				details: fc.option(mixed, { nil: undefined }),
			}),
			{ nil: undefined },
		),
		systemOut: fc.option(mixed, { nil: undefined }),
	})
	const suiteArb: fc.Arbitrary<JUnitSuite> = fc.record({
		name: mixed,
		id: fc.option(mixed, { nil: undefined }),
		timestamp: fc.option(fc.date({ noInvalidDate: false }), { nil: undefined }),
		timeSec: fc.option(fc.double(), { nil: undefined }),
		properties: fc.dictionary(
			mixed.filter((s) => s.length > 0),
			mixed,
			{ maxKeys: 3 },
		),
		cases: fc.array(caseArb, { maxLength: 4 }),
		systemOut: fc.option(mixed, { nil: undefined }),
	})

	test('round trip of every name, message and property', () => {
		fc.assert(
			fc.property(fc.array(suiteArb, { maxLength: 3 }), mixed, (suites, rootName) => {
				const xml = renderJUnit(suites, { name: rootName })
				const v = validateJUnit(xml)
				expect(v.errors).toEqual([])
				expect(v.valid).toBe(true)
				withDocument(xml, (doc) => {
					expect(read(attr(elements(doc, '/testsuites')[0], 'name'))).toBe(expected(rootName))
					const got = elements(doc, '/testsuites/testsuite')
					expect(got.length).toBe(suites.length)
					suites.forEach((s, i) => {
						const el = got[i]
						expect(read(attr(el, 'name'))).toBe(expected(s.name))
						expect(attr(el, 'tests')).toBe(String(s.cases.length))
						const props = elements(doc, `/testsuites/testsuite[${i + 1}]/properties/property`)
						expect(props.map((p) => [read(attr(p, 'name')), read(attr(p, 'value'))])).toEqual(
							Object.entries(s.properties ?? {})
								.filter(([k]) => k !== '')
								.map(([k, val]) => [expected(k), expected(val)]),
						)
						const cases = elements(doc, `/testsuites/testsuite[${i + 1}]/testcase`)
						s.cases.forEach((c, j) => {
							expect(read(attr(cases[j], 'name'))).toBe(expected(c.name))
							expect(read(attr(cases[j], 'classname'))).toBe(expected(c.classname))
							if (c.outcome) {
								const o = elements(
									doc,
									`/testsuites/testsuite[${i + 1}]/testcase[${j + 1}]/${c.outcome.kind}`,
								)[0]
								expect(read(attr(o, 'message'))).toBe(expected(c.outcome.message))
								expect(read(o.content)).toBe(expected(c.outcome.details ?? ''))
							}
						})
					})
				})
			}),
			{ numRuns: 150 },
		)
	})
})
