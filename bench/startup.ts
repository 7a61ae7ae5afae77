/**
 * Cold start and idle memory (issue 13), this checkout beside another (BEFORE=/path), from
 * source (`bun src/main.ts`) and as the compiled binary (`dist/krawall`, `bun run build` in each
 * checkout first): the time from spawn until /api/health answers 200, on an empty data folder
 * (a new database on Postgres) and again on the same one, and the process's RSS 2 s after
 * /api/health answered (VmRSS) and its high-water mark by then (VmHWM). Rounds interleave every
 * combination (the order rotated each round); the table has medians and min–max.
 *
 *   BEFORE=/tmp/checkout bun bench/startup.ts [rounds=3]
 *   BEFORE=… DATABASE_URL=postgres://… bun bench/startup.ts   # PGlite and Postgres
 *
 * Postgres databases this creates are dropped at the end, on failure and on Ctrl-C.
 */
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { benchScratch, median, rssOf, startKrawall, stopKrawall } from './krawall-process'

type Sample = { ms: number; rss: number; hwm: number }

const rounds = Number(process.argv[2] ?? 3)
const here = resolve(import.meta.dir, '..')
const checkouts: [string, string][] = [['after', here]]
if (process.env.BEFORE) checkouts.unshift(['before', resolve(process.env.BEFORE)])
const pgUrl = process.env.DATABASE_URL || undefined
const kinds = pgUrl ? (['pglite', 'postgres'] as const) : (['pglite'] as const)
const { admin, created, dirs, cleanup } = benchScratch(pgUrl)

const results = new Map<string, Sample[]>()
const add = (key: string, s: Sample) => results.set(key, [...(results.get(key) ?? []), s])
const load0 = (await Bun.file('/proc/loadavg').text()).split(' ').slice(0, 3).join(' ')
const t0 = performance.now()
let n = 0
try {
	for (let round = 0; round < rounds; round++) {
		const combos: { label: string; root: string; how: string; kind: string }[] = []
		for (const [label, root] of checkouts)
			for (const how of ['source', 'binary'])
				for (const kind of kinds) {
					if (how === 'binary' && !existsSync(join(root, 'dist/krawall'))) continue
					combos.push({ label, root, how, kind })
				}
		const order = combos.map((_, i) => combos[(i + round) % combos.length]!)
		for (const { label, root, how, kind } of round % 2 ? order.reverse() : order) {
			const dir = mkdtempSync(join(tmpdir(), 'krawall-bench-startup-'))
			dirs.push(dir)
			const env: Record<string, string> = {
				PATH: process.env.PATH ?? '',
				PORT: '0',
				HOST: '127.0.0.1',
				LOG_LEVEL: 'info',
				KRAWALL_DATA_DIR: join(dir, 'data'),
			}
			if (kind === 'postgres') {
				const db = `krawall_bench_startup_${process.pid}_${n++}`
				await admin!.unsafe(`create database ${db}`)
				created.push(db)
				const u = new URL(pgUrl!)
				u.pathname = `/${db}`
				env.DATABASE_URL = u.toString()
				env.KRAWALL_ENCRYPTION_KEY = Buffer.from(
					crypto.getRandomValues(new Uint8Array(32)),
				).toString('base64')
			}
			const cmd =
				how === 'binary' ? [join(root, 'dist/krawall')] : ['bun', join(root, 'src/main.ts')]
			for (const start of ['empty', 'existing']) {
				const k = await startKrawall(cmd, env, how === 'binary' ? dir : root)
				try {
					await Bun.sleep(2000)
					const sample = {
						ms: k.startMs,
						rss: await rssOf(k.proc.pid, 'VmRSS'),
						hwm: await rssOf(k.proc.pid, 'VmHWM'),
					}
					add(`${kind}|${how}|${start}|${label}`, sample)
				} finally {
					await stopKrawall(k)
				}
			}
		}
	}
} finally {
	await cleanup()
	await admin?.end()
}

const load1 = (await Bun.file('/proc/loadavg').text()).split(' ').slice(0, 3).join(' ')
const range = (xs: number[]) =>
	`${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`
const lines = [
	`rounds ${rounds}; load average ${load0} → ${load1}; ${((performance.now() - t0) / 1000).toFixed(0)} s`,
	'',
	`| database, how, data folder | ${checkouts.map(([l]) => `start ms ${l}`).join(' | ')} | ${checkouts.map(([l]) => `RSS MB ${l}`).join(' | ')} | ${checkouts.map(([l]) => `HWM MB ${l}`).join(' | ')} |`,
	`| --- |${' --- |'.repeat(checkouts.length * 3)}`,
]
for (const kind of kinds)
	for (const how of ['source', 'binary'])
		for (const start of ['empty', 'existing']) {
			const per = checkouts.map(([l]) => results.get(`${kind}|${how}|${start}|${l}`) ?? [])
			if (per.every((xs) => !xs.length)) continue
			const col = (f: (s: Sample) => number) =>
				per.map((xs) => (xs.length ? range(xs.map(f)) : '')).join(' | ')
			lines.push(
				`| ${kind}, ${how}, ${start} | ${col((s) => s.ms)} | ${col((s) => s.rss)} | ${col((s) => s.hwm)} |`,
			)
		}
console.log(lines.join('\n'))
