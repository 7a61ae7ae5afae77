import { expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseRunArgs } from '../../src/cli/run-args'
import { UsageError } from '../../src/cli/args'
import { useCliRun } from '../helpers/cli'
import { MOCK_KEY } from '../helpers/mock-run'

/** `krawall run --report`: the session's report written next to the run, from the real run. */
const ctx = useCliRun()
const KEY = MOCK_KEY
const run = (argv: string[]) => ctx.run(argv, { KEY })

const args = (report: string) => [
	'--preset',
	'openai-chat',
	'--endpoint',
	ctx.mock.url,
	'--api-key-env',
	'KEY',
	'--message',
	'Explain caching',
	'--message',
	'Again, longer',
	'--repetitions',
	'3',
	'--json',
	'--report',
	report,
]

test('--report writes the self-contained HTML report; .md writes Markdown; the key is in neither', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'krawall-report-'))
	ctx.mock.resetStats()
	const htmlPath = join(dir, 'out', 'report.html')
	const r = await run(args(htmlPath))
	expect(r.code).toBe(0)
	expect(r.err).toContain(`report written to ${htmlPath}`)
	const session = JSON.parse(r.out)
	const m = session.summaryMetrics
	// What the mock served is what the run (and its report) counts.
	expect(m.successfulMessages).toBe(ctx.mock.stats.served.replies)
	expect(m.totalMessages).toBe(6)
	expect(m.promptTokens).toBe(ctx.mock.stats.served.promptTokens)
	expect(existsSync(htmlPath)).toBe(true)
	const html = readFileSync(htmlPath, 'utf8')
	expect(html.startsWith('<!doctype html>')).toBe(true)
	expect(html).toContain(`data-session="${session.id}"`)
	for (const id of [
		'target',
		'load',
		'summary',
		'charts',
		'errors',
		'rate-limit',
		'cost',
		'slowest',
	])
		expect(html).toContain(`id="${id}"`)
	expect(html).toContain(`data-figure="messages">6<`)
	expect(html).toContain(`data-figure="prompt-tokens">${m.promptTokens.toLocaleString('en-US')}<`)
	expect(html).not.toMatch(/<script|<link|\ssrc=/i)
	expect(html).not.toContain(KEY)

	const mdPath = join(dir, 'report.md')
	const md = await run(args(mdPath))
	expect(md.code).toBe(0)
	const text = readFileSync(mdPath, 'utf8')
	expect(text).toContain('| Messages | 6 |')
	expect(text).toContain('### Findings')
	expect(text).not.toContain(KEY)
}, 60_000)

test('--report needs a path', () => {
	expect(() => parseRunArgs([...args('x.html').slice(0, -1)])).toThrow(UsageError)
})
