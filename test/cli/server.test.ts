import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UsageError } from '../../src/cli/args'
import { parseRunArgs } from '../../src/cli/run-args'
import { sessions, targets } from '../../src/db/schema'
import { attr, elements, validateJUnit, withDocument } from '../compare/junit-schema'
import { serveApp } from '../helpers/browser'
import { runOnServer } from '../../src/cli/run'
import { runAt, useCliRun } from '../helpers/cli'
import { MOCK_KEY, messageRows } from '../helpers/mock-run'

/**
 * `krawall run --server URL`: the real app listening on a loopback port (its own database, workers
 * and API token), the real mock chatbot, and the CLI talking to the server only through HTTP.
 */
const TOKEN = 'cli-server-token-4242'
const ctx = useCliRun({ env: { KRAWALL_API_TOKEN: TOKEN } })
let server: ReturnType<typeof serveApp>
const dir = mkdtempSync(join(tmpdir(), 'krawall-server-'))
beforeAll(() => {
	server = serveApp(ctx.deps)
})
afterAll(() => server?.stop())

const env = { KEY: MOCK_KEY, KRAWALL_API_TOKEN: TOKEN }
const messages = ['--message', 'Explain caching', '--message', 'Again, longer']
const secretsIn = (r: { out: string; err: string }) =>
	[TOKEN, MOCK_KEY].filter((s) => (r.out + r.err).includes(s))

describe('krawall run --server', () => {
	test('runs on the server: its rows and summary are what the mock served; JUnit, report, baseline', async () => {
		const first = await runAt(server.url, [...ctx.preset(), ...messages, '--json'], env)
		expect(first.code).toBe(0)

		ctx.mock.resetStats()
		const junit = join(dir, 'junit.xml')
		const report = join(dir, 'report.html')
		const r = await runAt(
			server.url,
			[
				...ctx.preset(),
				...messages,
				'--repetitions',
				'3',
				'--concurrency',
				'2',
				'--fail-on-error-rate',
				'0',
				'--fail-on-cost',
				'1',
				// A session id: fetched from the server (GET /api/sessions/:id).
				'--baseline',
				JSON.parse(first.out).id,
				'--fail-on-regression',
				'cost-per-conversation:+10%,error-rate:+1',
				'--junit',
				junit,
				'--report',
				report,
				'--json',
			],
			env,
		)
		expect(r.code).toBe(0)
		const session = JSON.parse(r.out)
		const m = session.summaryMetrics
		// The server's session, counted against the mock's own figures.
		const stats = ctx.mock.stats
		expect(stats.requests).toBe(6)
		expect(m.totalMessages).toBe(6)
		expect(m.successfulMessages).toBe(stats.served.replies)
		expect(m.promptTokens).toBe(stats.served.promptTokens)
		expect(m.completionTokens).toBe(stats.served.completionTokens)
		const rows = await messageRows(ctx.deps, session.id)
		expect(rows.length).toBe(6)
		expect(rows.reduce((n, x) => n + (x.promptTokens ?? 0), 0)).toBe(stats.served.promptTokens)
		// The final progress line is the server's own counters.
		expect(r.err).toContain(`session ${session.id} queued`)
		expect(r.err).toContain(`[COMPLETED] 6 messages · 0 errors · ${m.totalTokens} tokens`)
		expect(r.err).toContain('3/3 conversations')
		// Thresholds and regression verdicts as in process; the baseline was the first run.
		expect(session.thresholds.map((t: any) => [t.name, t.passed])).toEqual([
			['notEveryMessageFailed', true],
			['noAuthErrors', true],
			['errorRate', true],
			['totalCostUsd', true],
		])
		expect(session.regression.baseline).toBe(JSON.parse(first.out).id)
		expect(session.regression.checks.map((c: any) => c.status)).toEqual(['pass', 'pass'])
		const xml = readFileSync(junit, 'utf8')
		expect(validateJUnit(xml)).toEqual({ wellFormed: true, valid: true, errors: [] })
		withDocument(xml, (doc) => {
			const [suite] = elements(doc, '/testsuites/testsuite')
			// The session, four thresholds, two regression checks; none failed.
			expect(attr(suite, 'tests')).toBe('7')
			expect(attr(suite, 'failures')).toBe('0')
			expect(attr(suite, 'name')).toContain('cli: openai-chat')
		})
		const html = readFileSync(report, 'utf8')
		expect(html).toContain(`data-session="${session.id}"`)
		expect(html).toContain('data-figure="messages">6<')
		expect(html).not.toContain(MOCK_KEY)
		// The target was created on the server, once, with the key stored encrypted.
		const named = await ctx.deps.db
			.select()
			.from(targets)
			.where(eq(targets.name, `cli: openai-chat ${ctx.mock.url}`))
		expect(named.length).toBe(1)
		expect(JSON.stringify(named[0].authConfig)).not.toContain(MOCK_KEY)
		expect(secretsIn(r)).toEqual([])
		expect(ctx.deps.logs.join('\n')).not.toContain(TOKEN)
	}, 60_000)

	test('progress follows the SSE stream: a terminal sees the message count grow', async () => {
		const r = await runAt(
			server.url,
			[
				...ctx.preset(),
				...['a', 'b', 'c', 'd'].flatMap((m) => ['--message', m]),
				'--delay-ms',
				'200',
			],
			env,
			true,
		)
		expect(r.code).toBe(0)
		const counts = [...r.err.matchAll(/\[(\w+)\] (\d+) messages/g)].map((x) => [x[1], +x[2]])
		expect(counts.at(-1)).toEqual(['COMPLETED', 4])
		const running = counts.filter(([s]) => s === 'RUNNING').map(([, n]) => n as number)
		// Lines rewritten in place as each received message arrives on the stream.
		expect(running.length).toBeGreaterThan(1)
		expect(running).toEqual([...running].sort((a, b) => a - b))
		expect(running.some((n) => n > 0 && n < 4)).toBe(true)
		expect(r.err).toContain('\r\x1b[K')
		expect(r.out).toContain('status                  COMPLETED')
	}, 60_000)

	test('a stream that breaks off is resumed after its last event: no message counted twice', async () => {
		// A proxy in front of the server cuts the first stream after its first received message.
		const streams: string[] = []
		const proxy = Bun.serve({
			hostname: '127.0.0.1',
			port: 0,
			idleTimeout: 0,
			async fetch(req) {
				const u = new URL(req.url)
				const up = await fetch(server.url + u.pathname + u.search, {
					method: req.method,
					headers: req.headers,
					body: req.method === 'GET' ? undefined : await req.text(),
				})
				if (!u.pathname.endsWith('/stream')) return up
				streams.push(u.search)
				if (streams.length > 1) return up
				const reader = up.body!.getReader()
				let seen = ''
				const cut = new ReadableStream<Uint8Array>({
					async pull(c) {
						const { value, done } = await reader.read()
						if (done) return c.close()
						c.enqueue(value)
						seen += new TextDecoder().decode(value)
						if (seen.includes('"direction":"received"')) {
							await reader.cancel()
							c.close()
						}
					},
				})
				return new Response(cut, { headers: up.headers })
			},
		})
		try {
			const r = await runAt(
				`http://127.0.0.1:${proxy.port}`,
				[
					...ctx.preset(),
					...['a', 'b', 'c', 'd'].flatMap((m) => ['--message', m]),
					'--delay-ms',
					'200',
				],
				env,
				true,
			)
			expect(r.code).toBe(0)
			expect(streams.length).toBe(2)
			// The second connection resumed after the last event the first one delivered (a
			// received message has an even SSE id; chunks may carry more than one).
			expect(streams[0]).toBe('?lastEventId=0')
			expect(streams[1]).toMatch(/^\?lastEventId=[2468]$/)
			const counts = [...r.err.matchAll(/\[(\w+)\] (\d+) messages/g)].map((x) => +x[2])
			expect(Math.max(...counts)).toBe(4)
			expect(counts.at(-1)).toBe(4)
			expect(counts).toEqual([...counts].sort((a, b) => a - b))
		} finally {
			proxy.stop(true)
		}
	}, 60_000)

	test('Ctrl-C cancels the session on the server (POST /api/sessions/:id/cancel): exit 1', async () => {
		ctx.mock.resetStats()
		const ctrl = new AbortController()
		let err = ''
		const code = await runOnServer(
			parseRunArgs([
				'--server',
				server.url,
				...ctx.preset('/persona/slow:400'),
				...['a', 'b', 'c', 'd', 'e', 'f'].flatMap((m) => ['--message', m]),
			]),
			{
				out: () => {},
				tty: true,
				err: (x) => {
					err += x
					// The first received message on the stream: the run is under way.
					if (/\[RUNNING\] [1-9]/.test(err) && !ctrl.signal.aborted) ctrl.abort()
				},
			},
			env,
			ctrl.signal,
		)
		expect(code).toBe(1)
		expect(err).toContain('cancelling…')
		expect(err).toContain('session CANCELLED')
		const id = /session (\w+) queued/.exec(err)![1]!
		const [row] = await ctx.deps.db.select().from(sessions).where(eq(sessions.id, id))
		expect(row!.status).toBe('CANCELLED')
		// Stopped early: fewer requests than the six messages, each one recorded.
		expect(ctx.mock.stats.requests).toBeLessThan(6)
		expect((await messageRows(ctx.deps, id)).length).toBeLessThanOrEqual(ctx.mock.stats.requests)
	}, 60_000)

	test('a threshold that fails on the server exits 3, as in process', async () => {
		const r = await runAt(
			server.url,
			[...ctx.preset(), '--message', 'hello', '--fail-on-cost', '0.0000001'],
			env,
		)
		expect(r.code).toBe(3)
		expect(r.err).toMatch(/threshold failed: cost \$0\.\d{6} exceeds \$0\.000000/)
	}, 60_000)

	test('no token, a wrong one, or an unset --server-token-env: exit 2, the token never printed', async () => {
		const before = (await ctx.deps.db.select().from(sessions)).length
		const none = await runAt(server.url, [...ctx.preset(), ...messages], { KEY: MOCK_KEY })
		expect(none.code).toBe(2)
		expect(none.err).toContain(`the server at ${server.url} refused the request (401 Unauthorized)`)
		expect(none.err).toContain('KRAWALL_API_TOKEN')

		const wrong = await runAt(
			server.url,
			[...ctx.preset(), ...messages, '--server-token-env', 'T'],
			{
				KEY: MOCK_KEY,
				T: 'not-the-token-0000',
			},
		)
		expect(wrong.code).toBe(2)
		expect(wrong.err + wrong.out).not.toContain('not-the-token-0000')

		const unset = await runAt(server.url, [...ctx.preset(), ...messages, '--server-token-env', 'T'])
		expect(unset.code).toBe(2)
		expect(unset.err).toContain('T is not set')
		// Nothing ran.
		expect((await ctx.deps.db.select().from(sessions)).length).toBe(before)
	})

	test("the server's own errors are reported in its words (exit 2); a server down is exit 4", async () => {
		const tpl = await runAt(server.url, [...ctx.preset(), '--template', 'no-such-template'], env)
		expect(tpl.code).toBe(2)
		expect(tpl.err).toContain('krawall run: Template not found')

		await expect(
			runAt(server.url, ['--target', 'no such target', ...messages], env),
		).rejects.toThrow('no target with id or name "no such target"')

		await expect(
			runAt(server.url, [...ctx.preset(), ...messages, '--baseline', 'no-such-session'], env),
		).rejects.toThrow('--baseline no-such-session: neither a file nor a session id')

		// A port nothing listens on: the one this test's server had before it stopped.
		const gone = serveApp(ctx.deps)
		gone.stop()
		const down = await runAt(gone.url, [...ctx.preset(), ...messages], env)
		expect(down.code).toBe(4)
		expect(down.err).toContain(`krawall run: cannot reach the Krawall server at ${gone.url}`)
	})

	test('the executable with --server opens nothing locally: a server down exits 4', async () => {
		const gone = serveApp(ctx.deps)
		gone.stop()
		const data = join(dir, 'never-created')
		const proc = Bun.spawn(
			['bun', 'src/main.ts', 'run', '--server', gone.url, '--target', 't', '--message', 'hi'],
			{ env: { PATH: process.env.PATH!, KRAWALL_DATA_DIR: data }, stdout: 'pipe', stderr: 'pipe' },
		)
		expect(await proc.exited).toBe(4)
		expect(await new Response(proc.stderr).text()).toContain(
			`cannot reach the Krawall server at ${gone.url}`,
		)
		expect(existsSync(data)).toBe(false)
	}, 30_000)

	test("a rate for a duration: the line shows the run's clock and the drops through the stream", async () => {
		ctx.mock.resetStats()
		const argv = [...ctx.preset('/persona/slow:300'), '--message', 'Hi']
		const r = await runAt(
			server.url,
			[...argv, '--rate', '20', '--duration', '1s', '--max-in-flight', '1'],
			env,
			true,
		)
		expect(r.code).toBe(0)
		const sent = ctx.mock.stats.requests
		const lines = r.err.split('\r\x1b[K').map((l) => l.trim())
		// While it ran: the clock counted on from the stream's status event, drops from its seconds.
		expect(lines.some((l) => l.startsWith('[RUNNING]') && / · [01]\/1 s/.test(l))).toBe(true)
		expect(lines.some((l) => l.startsWith('[RUNNING]') && / · \d+ dropped/.test(l))).toBe(true)
		// The last line is the session's own counters: started + dropped = the 20 due.
		expect(lines.at(-1)).toContain(`${sent}/20 conversations · 1/1 s · ${20 - sent} dropped`)
		expect(20 - sent).toBeGreaterThan(10)
	})

	test('--server flags are checked before anything runs', () => {
		const base = ['--target', 'x', '--message', 'hi']
		expect(() => parseRunArgs([...base, '--server', 'not a url'])).toThrow(UsageError)
		expect(() => parseRunArgs([...base, '--server', 'ftp://host'])).toThrow('http:// or https://')
		expect(() => parseRunArgs([...base, '--server', 'http://u:secret@host'])).toThrow(
			'KRAWALL_API_TOKEN',
		)
		expect(() => parseRunArgs([...base, '--server-token-env', 'T'])).toThrow('needs --server')
		expect(parseRunArgs([...base, '--server', 'http://127.0.0.1:3000']).server).toBe(
			'http://127.0.0.1:3000',
		)
	})
})
