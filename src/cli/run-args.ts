import { Value } from '@sinclair/typebox/value'
import { parseArgs } from 'node:util'
import { ExecutionConfigInput, type LoadInput } from '../sessions/model'
import {
	parseRegressionChecks,
	RegressionSpecError,
	type RegressionCheck,
} from '../compare/regression'
import { UsageError } from './args'
import { loadFromFlags } from './load-args'

/** `krawall run`: one session from a terminal or CI, with pass/fail thresholds. */
export const RUN_USAGE = `krawall run — one session from a terminal or CI; exits non-zero when a threshold fails

Target (one of):
  --target <id|name>                 an existing target
  --preset <id> --endpoint <url>     a provider preset (openai-chat, anthropic-messages, google-gemini,
                                     azure-openai, ollama, custom-http, …), created or updated as "cli: <preset> <endpoint>"
  --api-key-env <VAR>                with --preset: read the API key from this environment variable

What to send (one of):
  --scenario <id|name>               an existing scenario
  --template <id>                    a built-in scenario template (see GET /api/scenarios/templates)
  --message <text>                   a message; repeat for several turns

Where it runs (default: in this process, on the database of DATABASE_URL / KRAWALL_DATA_DIR):
  --server <url>                     on a running Krawall server, through its API (the target,
                                     scenario and session are created there; progress follows its
                                     SSE stream); the API token, if it has one, from KRAWALL_API_TOKEN
  --server-token-env <VAR>           with --server: read the API token from this variable instead

Overrides:   --repetitions N  --concurrency N  --delay-ms N  --verbosity normal|verbose|extreme
Load model:  --rate N --duration 5m [--max-in-flight N] [--poisson]
                                     N new conversations per second for the duration (open model);
                                     a due start past --max-in-flight (default 1000) is dropped and counted
             --stages 30s:5,2m:20,30s:0   rates ramped linearly between stages (from 0);
                                     a c suffix ramps concurrency instead: 30s:5c,1m:20c
             --duration 5m            alone: --concurrency lanes start conversations until the time is up
             --workers N|auto         split the run into N shards (1-64; auto: one per live worker),
                                     each taken by any \`krawall --worker\` (Postgres + Redis); in the
                                     embedded mode the run is one shard
Budgets:     --max-tokens N  --max-cost USD  --timeout-ms N (per message)
Thresholds:  --fail-on-error-rate PCT  --fail-on-p95 MS  --fail-on-cost USD
             --expect-rate-limit      fail unless the target pushed back (429) at least once
             --allow-errors           do not fail when every message failed or an auth error occurred
Baseline:    --baseline <session id|file>   compare with an earlier run (a session here, or the
                                     file \`krawall run --json\` wrote) and print the table
             --fail-on-regression SPEC  e.g. cost-per-conversation:+10%,p95:+20%,error-rate:+1
                                     (relative % of the baseline; percentage points for rates)
Output:      --json                   the session, its summary, each threshold's verdict and the
                                      regression verdicts as JSON on stdout
             --junit <path>           a JUnit XML file: one case per threshold and regression check
             --report <path>          the session's report: one self-contained HTML file (inline CSS
                                      and charts, no script); a path ending in .md writes Markdown

The overrides have the limits of POST /api/execute (repetitions 1-1000, concurrency 1-10,
delay 0-60000 ms, timeout 100-600000 ms; a load model: rate and in flight up to 10000, a
duration up to KRAWALL_MAX_LOAD_DURATION_SEC).

Exit codes: 0 passed; 1 the session failed or was cancelled, or (unless --allow-errors) every
message failed or the target refused the credentials; 2 usage or configuration error;
3 a threshold failed or a metric regressed; 4 the --server could not be reached, failed (5xx) or
lost the session's stream. A server that refuses the token (401) is a configuration error (2).`

export type RunOptions = {
	target?: string
	preset?: string
	endpoint?: string
	apiKeyEnv?: string
	scenario?: string
	template?: string
	messages: string[]
	repetitions?: number
	concurrency?: number
	delayMs?: number
	verbosity?: 'normal' | 'verbose' | 'extreme'
	maxTokens?: number
	maxCostUsd?: number
	timeoutMs?: number
	/** `executionConfig.load` from --rate/--duration/--stages/--max-in-flight/--workers (src/cli/load-args.ts). */
	load?: LoadInput
	failOnErrorRate?: number
	failOnP95Ms?: number
	failOnCostUsd?: number
	expectRateLimit: boolean
	/** Off by default: a run where every message failed or an auth error occurred exits 1. */
	allowErrors: boolean
	baseline?: string
	failOnRegression: RegressionCheck[]
	junit?: string
	/** Where to write the session's report (HTML; Markdown when the path ends in .md). */
	report?: string
	/** `--server URL`: run on that Krawall server through its API (src/cli/server-backend.ts). */
	server?: string
	/** The variable holding the server's API token (default KRAWALL_API_TOKEN). */
	serverTokenEnv?: string
	json: boolean
	help: boolean
}

const number = (
	name: string,
	v: string | undefined,
	opts: { integer?: boolean; min?: number } = {},
) => {
	if (v === undefined) return undefined
	const n = Number(v)
	if (!Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || n < (opts.min ?? 0)) {
		throw new UsageError(
			`--${name} needs ${opts.integer ? 'an integer' : 'a number'} ≥ ${opts.min ?? 0} (got ${v})`,
		)
	}
	return n
}

/** Repeatable; each value a comma-separated list. A bad spec is a usage error (exit 2). */
function regressionChecks(values: string[] | undefined): RegressionCheck[] {
	try {
		return (values ?? []).flatMap((v) => parseRegressionChecks(v))
	} catch (e) {
		if (e instanceof RegressionSpecError) throw new UsageError(`--fail-on-regression: ${e.message}`)
		throw e
	}
}

/** The flags that name a run's target, shared by `krawall run` and `krawall assess`. */
export const TARGET_FLAGS = {
	target: { type: 'string' },
	preset: { type: 'string' },
	endpoint: { type: 'string' },
	'api-key-env': { type: 'string' },
} as const

export function parseRunArgs(argv: string[]): RunOptions {
	let values: Record<string, string | boolean | string[] | undefined>
	try {
		;({ values } = parseArgs({
			args: argv,
			strict: true,
			allowPositionals: false,
			options: {
				...TARGET_FLAGS,
				scenario: { type: 'string' },
				template: { type: 'string' },
				message: { type: 'string', multiple: true },
				repetitions: { type: 'string' },
				concurrency: { type: 'string' },
				'delay-ms': { type: 'string' },
				verbosity: { type: 'string' },
				'max-tokens': { type: 'string' },
				'max-cost': { type: 'string' },
				'timeout-ms': { type: 'string' },
				rate: { type: 'string' },
				duration: { type: 'string' },
				stages: { type: 'string' },
				'max-in-flight': { type: 'string' },
				poisson: { type: 'boolean' },
				workers: { type: 'string' },
				'fail-on-error-rate': { type: 'string' },
				'fail-on-p95': { type: 'string' },
				'fail-on-cost': { type: 'string' },
				'expect-rate-limit': { type: 'boolean' },
				'allow-errors': { type: 'boolean' },
				baseline: { type: 'string' },
				'fail-on-regression': { type: 'string', multiple: true },
				junit: { type: 'string' },
				report: { type: 'string' },
				server: { type: 'string' },
				'server-token-env': { type: 'string' },
				json: { type: 'boolean' },
				help: { type: 'boolean', short: 'h' },
			},
		}))
	} catch (e) {
		throw new UsageError(e instanceof Error ? e.message : String(e))
	}
	const s = (k: string) => values[k] as string | undefined
	const opts: RunOptions = {
		target: s('target'),
		preset: s('preset'),
		endpoint: s('endpoint'),
		apiKeyEnv: s('api-key-env'),
		scenario: s('scenario'),
		template: s('template'),
		messages: (values.message as string[] | undefined) ?? [],
		repetitions: number('repetitions', s('repetitions'), { integer: true, min: 1 }),
		concurrency: number('concurrency', s('concurrency'), { integer: true, min: 1 }),
		delayMs: number('delay-ms', s('delay-ms'), { integer: true }),
		maxTokens: number('max-tokens', s('max-tokens'), { integer: true, min: 1 }),
		maxCostUsd: number('max-cost', s('max-cost')),
		timeoutMs: number('timeout-ms', s('timeout-ms'), { integer: true, min: 100 }),
		load: loadFromFlags({
			rate: s('rate'),
			duration: s('duration'),
			stages: s('stages'),
			maxInFlight: s('max-in-flight'),
			poisson: values.poisson === true,
			workers: s('workers'),
		}),
		failOnErrorRate: number('fail-on-error-rate', s('fail-on-error-rate')),
		failOnP95Ms: number('fail-on-p95', s('fail-on-p95')),
		failOnCostUsd: number('fail-on-cost', s('fail-on-cost')),
		expectRateLimit: values['expect-rate-limit'] === true,
		allowErrors: values['allow-errors'] === true,
		baseline: s('baseline'),
		failOnRegression: regressionChecks(values['fail-on-regression'] as string[] | undefined),
		junit: s('junit'),
		report: s('report'),
		server: s('server'),
		serverTokenEnv: s('server-token-env'),
		json: values.json === true,
		help: values.help === true,
	}
	const verbosity = s('verbosity')
	if (verbosity !== undefined) {
		if (!['normal', 'verbose', 'extreme'].includes(verbosity))
			throw new UsageError('--verbosity is normal, verbose or extreme')
		opts.verbosity = verbosity as RunOptions['verbosity']
	}
	if (opts.help) return opts
	checkExecuteLimits(opts)
	if (!opts.target === !opts.preset)
		throw new UsageError('give exactly one of --target or --preset')
	if (opts.preset && !opts.endpoint) throw new UsageError('--preset needs --endpoint')
	if (opts.serverTokenEnv && !opts.server) throw new UsageError('--server-token-env needs --server')
	if (opts.server !== undefined) checkServerUrl(opts.server)
	if (opts.failOnRegression.length && !opts.baseline)
		throw new UsageError('--fail-on-regression needs --baseline')
	const sources = [opts.scenario, opts.template, opts.messages.length ? 'm' : undefined].filter(
		Boolean,
	)
	if (sources.length !== 1)
		throw new UsageError('give exactly one of --scenario, --template or --message')
	return opts
}

/** Each override flag and the `executionConfig` field it sets. */
const OVERRIDE_FLAGS = [
	['repetitions', 'repetitions'],
	['concurrency', 'concurrency'],
	['delay-ms', 'delayBetweenMs'],
	['max-tokens', 'maxTokens'],
	['max-cost', 'maxCostUsd'],
	['timeout-ms', 'timeoutMs'],
] as const
const OPTION_OF = {
	repetitions: 'repetitions',
	concurrency: 'concurrency',
	delayBetweenMs: 'delayMs',
	maxTokens: 'maxTokens',
	maxCostUsd: 'maxCostUsd',
	timeoutMs: 'timeoutMs',
} as const

/**
 * The overrides are checked against the schema `POST /api/execute` validates with, so the CLI
 * and the API accept exactly the same values (one set of limits, src/sessions/model.ts).
 */
function checkExecuteLimits(o: RunOptions) {
	for (const [flag, field] of OVERRIDE_FLAGS) {
		const value = o[OPTION_OF[field]]
		if (value === undefined) continue
		const schema = ExecutionConfigInput.properties[field]
		if (Value.Check(schema, value)) continue
		const b = schema as { minimum?: number; maximum?: number; exclusiveMinimum?: number }
		const range =
			b.maximum !== undefined
				? `${b.minimum ?? b.exclusiveMinimum}-${b.maximum}`
				: b.exclusiveMinimum !== undefined
					? `> ${b.exclusiveMinimum}`
					: `≥ ${b.minimum}`
		throw new UsageError(
			`--${flag} must be ${range} (got ${value}); POST /api/execute has the same limit`,
		)
	}
}

function checkServerUrl(url: string) {
	let u: URL
	try {
		u = new URL(url)
	} catch {
		throw new UsageError(`--server needs the server's URL, like http://127.0.0.1:3000 (got ${url})`)
	}
	if (u.protocol !== 'http:' && u.protocol !== 'https:')
		throw new UsageError(`--server needs an http:// or https:// URL (got ${url})`)
	if (u.username || u.password)
		throw new UsageError('--server: put the API token in KRAWALL_API_TOKEN, not in the URL')
}
