/**
 * JUnit XML for CI test reporters (Jenkins, GitLab `artifacts:reports:junit`, GitHub test-report
 * actions): <testsuites> with one <testsuite> per run. There is no official standard; this writes
 * the strict common subset (Ant's format as the Jenkins xUnit plugin's junit-10.xsd describes it):
 * counts on every suite, `time` in seconds as a plain decimal, `timestamp` as
 * yyyy-MM-ddTHH:mm:ss in UTC without a zone (Ant's form; a zone suffix is refused by strict
 * readers). test/compare/junit.test.ts validates the output against an XSD of that dialect.
 *
 * Names and messages come from users (scenario and target names, error texts), so everything is
 * escaped, and characters XML 1.0 cannot carry at all (C0 controls other than tab, LF, CR; lone
 * surrogates; U+FFFE, U+FFFF) become U+FFFD: a reporter must never choke on a hostile name.
 */

export type JUnitOutcome = {
	/** failure: a check failed; error: it could not be evaluated; skipped: not run. */
	kind: 'failure' | 'error' | 'skipped'
	message: string
	type?: string
	/** Element text: longer detail for the reporter's expanded view. */
	details?: string
}

export type JUnitCase = {
	name: string
	classname: string
	/** Seconds; default 0. */
	timeSec?: number
	/** Absent: passed. */
	outcome?: JUnitOutcome
	systemOut?: string
}

export type JUnitSuite = {
	name: string
	id?: string
	timestamp?: Date | null
	/** Seconds the run took. */
	timeSec?: number | null
	/** Shown by reporters as-is: never put secrets here. */
	properties?: Record<string, string>
	cases: JUnitCase[]
	systemOut?: string
}

/** Characters outside XML 1.0's Char production (§2.2), matched per UTF-16 code unit. */
const ILLEGAL =
	/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** What a string becomes in the document once illegal characters are replaced. */
export const xmlSafe = (s: string) => s.replace(ILLEGAL, '\uFFFD')

/** Element text; CR as a reference so the parser's line-end normalisation keeps it. */
export const escapeText = (s: string) =>
	xmlSafe(s)
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/\r/g, '&#13;')

/** Attribute value in double quotes; tab, LF, CR as references so normalisation keeps them. */
export const escapeAttr = (s: string) =>
	escapeText(s)
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&apos;')
		.replace(/\t/g, '&#9;')
		.replace(/\n/g, '&#10;')

/** xs:decimal seconds: never negative, never an exponent (toFixed switches to one at 1e21). */
const seconds = (v: number | null | undefined) =>
	(v !== null && v !== undefined && Number.isFinite(v) && v > 0 ? Math.min(v, 1e20) : 0).toFixed(3)

/** Ant's timestamp: UTC, second precision, no zone; null when missing, invalid, or not year 1–9999. */
export function junitTimestamp(d: Date | null | undefined): string | null {
	if (!d || !Number.isFinite(d.getTime())) return null
	const year = d.getUTCFullYear()
	return year >= 1 && year <= 9999 ? d.toISOString().slice(0, 19) : null
}

const attrs = (pairs: [string, string | number | null | undefined][]) =>
	pairs
		.filter(([, v]) => v !== null && v !== undefined)
		.map(([k, v]) => ` ${k}="${escapeAttr(String(v))}"`)
		.join('')

type Counts = { tests: number; failures: number; errors: number; skipped: number }

function count(cases: readonly JUnitCase[]): Counts {
	const of = (k: JUnitOutcome['kind']) => cases.filter((c) => c.outcome?.kind === k).length
	return {
		tests: cases.length,
		failures: of('failure'),
		errors: of('error'),
		skipped: of('skipped'),
	}
}

function renderCase(c: JUnitCase): string {
	const head = `<testcase${attrs([
		['name', c.name],
		['classname', c.classname],
		['time', seconds(c.timeSec)],
	])}`
	const body: string[] = []
	if (c.outcome) {
		const o = c.outcome
		const a = attrs([
			['message', o.message],
			['type', o.type],
		])
		body.push(
			o.details === undefined
				? `<${o.kind}${a}/>`
				: `<${o.kind}${a}>${escapeText(o.details)}</${o.kind}>`,
		)
	}
	if (c.systemOut !== undefined) body.push(`<system-out>${escapeText(c.systemOut)}</system-out>`)
	return body.length
		? `    ${head}>\n      ${body.join('\n      ')}\n    </testcase>`
		: `    ${head}/>`
}

function renderSuite(s: JUnitSuite): string {
	const n = count(s.cases)
	const lines = [
		`  <testsuite${attrs([
			['name', s.name],
			['tests', n.tests],
			['failures', n.failures],
			['errors', n.errors],
			['skipped', n.skipped],
			['time', seconds(s.timeSec)],
			['timestamp', junitTimestamp(s.timestamp)],
			['id', s.id],
		])}>`,
	]
	// A property needs a name (strict readers refuse an empty one); a nameless value says nothing.
	const props = Object.entries(s.properties ?? {}).filter(([name]) => name !== '')
	if (props.length) {
		lines.push('    <properties>')
		for (const [name, value] of props) {
			lines.push(
				`      <property${attrs([
					['name', name],
					['value', value],
				])}/>`,
			)
		}
		lines.push('    </properties>')
	}
	for (const c of s.cases) lines.push(renderCase(c))
	if (s.systemOut !== undefined)
		lines.push(`    <system-out>${escapeText(s.systemOut)}</system-out>`)
	lines.push('  </testsuite>')
	return lines.join('\n')
}

/** The whole document; `name` labels the <testsuites> root (e.g. "krawall"). */
export function renderJUnit(suites: readonly JUnitSuite[], opts: { name?: string } = {}): string {
	const totals = count(suites.flatMap((s) => s.cases))
	const time = suites.reduce((t, s) => t + (Number(seconds(s.timeSec)) || 0), 0)
	const root = `<testsuites${attrs([
		['name', opts.name ?? 'krawall'],
		['tests', totals.tests],
		['failures', totals.failures],
		['errors', totals.errors],
		['skipped', totals.skipped],
		['time', seconds(time)],
	])}>`
	return [
		'<?xml version="1.0" encoding="UTF-8"?>',
		root,
		...suites.map(renderSuite),
		'</testsuites>',
		'',
	].join('\n')
}
