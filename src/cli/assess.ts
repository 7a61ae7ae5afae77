import { parseArgs } from 'node:util'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Deps } from '../deps'
import { AppError } from '../http/errors'
import {
	CONTROL_NAMES,
	PROBES,
	type AssessmentView,
	type Control,
	type Probe,
} from '../assessments/model'
import { renderAssessmentReport } from '../assessments/report'
import { cancelAssessment, createAssessment, getAssessment } from '../assessments/service'
import { UsageError } from './args'
import { localBackend } from './backend'
import { resolveTarget } from './run'
import { TARGET_FLAGS } from './run-args'

export const ASSESS_USAGE = `krawall assess — a consumption assessment (OWASP LLM10) from a terminal or CI

Usage:
  krawall assess (--target ID|NAME | --preset ID --endpoint URL [--api-key-env NAME])
                 --max-cost USD [--max-requests N] [--max-duration 5m|300s|300]
                 [--probes output,depth,input,rate,concurrency,spend]
                 [--max-rate R] [--max-depth T] [--max-input CHARS] [--max-concurrency C]
                 [--fail-on-missing rate-limit,output-cap,…] [--report report.html|.md|.json] [--json]

Controls: ${CONTROL_NAMES.join(', ')}.
Exit: 0 every control named by --fail-on-missing was found; 3 one of them is missing or
inconclusive; 1 the assessment failed (or no probe got an answer); 2 usage error.`

export type AssessOptions = {
	target?: string
	preset?: string
	endpoint?: string
	apiKeyEnv?: string
	maxCostUsd: number
	maxRequests: number
	maxDurationSec: number
	probes?: Probe[]
	options: Record<string, number>
	failOnMissing: Control[]
	report?: string
	json: boolean
	help: boolean
}

const num = (v: string | undefined, flag: string, min = 0) => {
	if (v === undefined) return undefined
	const n = Number(v)
	if (!Number.isFinite(n) || n <= min) throw new UsageError(`${flag} must be a number above ${min}`)
	return n
}

function duration(v: string | undefined): number | undefined {
	if (v === undefined) return undefined
	const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(v.trim())
	if (!m) throw new UsageError('--max-duration must be like 300, 300s, 5m or 1h')
	return Math.round(Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1))
}

const list = <T extends string>(
	v: string | undefined,
	allowed: readonly T[],
	flag: string,
): T[] | undefined => {
	if (v === undefined) return undefined
	const items = v
		.split(',')
		.map((x) => x.trim())
		.filter(Boolean)
	for (const x of items)
		if (!allowed.includes(x as T))
			throw new UsageError(`${flag}: unknown "${x}" (one of ${allowed.join(', ')})`)
	return items as T[]
}

export function parseAssessArgs(argv: string[]): AssessOptions {
	let values: Record<string, string | boolean | undefined>
	try {
		;({ values } = parseArgs({
			args: argv,
			strict: true,
			allowPositionals: false,
			options: {
				...TARGET_FLAGS,
				'max-cost': { type: 'string' },
				'max-requests': { type: 'string' },
				'max-duration': { type: 'string' },
				probes: { type: 'string' },
				'max-rate': { type: 'string' },
				'max-depth': { type: 'string' },
				'max-input': { type: 'string' },
				'max-concurrency': { type: 'string' },
				'rate-step': { type: 'string' },
				'spend-duration': { type: 'string' },
				'fail-on-missing': { type: 'string' },
				report: { type: 'string' },
				json: { type: 'boolean' },
				help: { type: 'boolean', short: 'h' },
			},
		}))
	} catch (e) {
		throw new UsageError(e instanceof Error ? e.message : String(e))
	}
	const s = (k: string) => values[k] as string | undefined
	const help = values.help === true
	if (!help) {
		if (!s('target') && !(s('preset') && s('endpoint')))
			throw new UsageError('give --target, or --preset with --endpoint')
		if (s('max-cost') === undefined)
			throw new UsageError('--max-cost is required (the assessment’s spending limit)')
	}
	const options: Record<string, number> = {}
	const opt = (flag: string, key: string) => {
		const v = num(s(flag), `--${flag}`)
		if (v !== undefined) options[key] = v
	}
	opt('max-rate', 'maxRatePerSec')
	opt('max-depth', 'maxDepthTurns')
	opt('max-input', 'maxInputChars')
	opt('max-concurrency', 'maxConcurrency')
	opt('rate-step', 'rateStepSec')
	opt('spend-duration', 'spendDurationSec')
	const probes = list(s('probes'), PROBES, '--probes')
	return {
		...(s('target') ? { target: s('target') } : {}),
		...(s('preset') ? { preset: s('preset') } : {}),
		...(s('endpoint') ? { endpoint: s('endpoint') } : {}),
		...(s('api-key-env') ? { apiKeyEnv: s('api-key-env') } : {}),
		maxCostUsd: num(s('max-cost'), '--max-cost') ?? 0,
		maxRequests: Math.round(num(s('max-requests'), '--max-requests') ?? 5000),
		maxDurationSec: duration(s('max-duration')) ?? 600,
		...(probes ? { probes } : {}),
		options,
		failOnMissing: list(s('fail-on-missing'), CONTROL_NAMES, '--fail-on-missing') ?? [],
		...(s('report') ? { report: s('report') } : {}),
		json: values.json === true,
		help,
	}
}

type Out = { out: (s: string) => void; err: (s: string) => void }

/** Runs one assessment to its end; returns the exit code (0 / 3 / 1; usage errors throw). */
export async function runAssessment(
	deps: Deps,
	o: AssessOptions,
	io: Out,
	env: Record<string, string | undefined>,
	signal: AbortSignal,
): Promise<number> {
	const targetId = await resolveTarget(localBackend(deps), o, env)
	let created
	try {
		created = await createAssessment(deps, {
			targetId,
			...(o.probes ? { probes: o.probes } : {}),
			limits: {
				maxCostUsd: o.maxCostUsd,
				maxRequests: o.maxRequests,
				maxDurationSec: o.maxDurationSec,
			},
			options: o.options,
		})
	} catch (e) {
		if (e instanceof AppError) throw new UsageError(e.message)
		throw e
	}
	const e = created.estimate
	io.err(
		`assessment ${created.assessmentId}: at most ${e.requests} requests${e.costUsd !== null ? `, ≤ $${e.costUsd.toFixed(4)}` : ''}\n`,
	)
	let a: AssessmentView
	let shown = ''
	for (;;) {
		a = await getAssessment(deps, created.assessmentId)
		const line = a.progress.map((p) => `${p.probe}:${p.status}`).join(' ')
		if (line !== shown) io.err(`  ${(shown = line)}\n`)
		if (!['QUEUED', 'RUNNING'].includes(a.status)) break
		if (signal.aborted) await cancelAssessment(deps, a.id).catch(() => {})
		await deps.clock.sleep(250)
	}
	if (o.report) {
		const format = o.report.endsWith('.md') ? 'md' : o.report.endsWith('.json') ? 'json' : 'html'
		mkdirSync(dirname(o.report), { recursive: true })
		writeFileSync(o.report, await renderAssessmentReport(a, format))
	}
	const missing = o.failOnMissing.filter((c) => !a.headline?.controlsFound.includes(c))
	if (o.json) io.out(JSON.stringify({ ...a, missingRequired: missing }, null, 2) + '\n')
	else {
		const h = a.headline
		io.out(`${a.status}: ${a.spent.requests} requests, $${a.spent.costUsd.toFixed(4)} spent\n`)
		if (h)
			io.out(
				`worst-case burn: ${h.burnPerHourUsd === null ? '—' : `$${h.burnPerHourUsd.toFixed(2)}/hour`}; ${h.note}\n`,
			)
		for (const f of a.findings)
			io.out(
				`${f.verdict === 'present' ? '✓' : f.verdict === 'absent' ? '✗' : '?'} ${f.control}: ${f.summary}\n`,
			)
		if (missing.length) io.out(`required controls missing: ${missing.join(', ')}\n`)
	}
	// Nothing answered (every probe inconclusive): the assessment could not assess.
	const answered = a.findings.some((f) => f.verdict !== 'inconclusive')
	if (a.status === 'FAILED' || a.status === 'CANCELLED' || !answered) return 1
	return missing.length ? 3 : 0
}
