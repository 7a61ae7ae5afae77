/** Parses `krawall [command] [flags]`. Unknown input is an error, never silently ignored. */
type Command = 'serve' | 'worker' | 'migrate' | 'mock' | 'run' | 'assess' | 'help' | 'version'

type Args = {
	command: Command
	noWorker: boolean
	port?: number
	/** `krawall mock --grpc-port N`: where the mock's gRPC service listens (default port + 1). */
	grpcPort?: number
	/** `krawall mock --api-key K`: the mock then checks credentials like a real provider. */
	apiKey?: string
	/**
	 * `krawall mock` consumption controls (`--rate-limit 20:5`, `--max-tokens 256`, …) as the
	 * personas they stand for (`ratelimit:20:5`, `max-tokens:256`), applied to every request.
	 */
	mockControls: string[]
	rest: string[]
}

/** `krawall mock` control flags: the persona each stands for and the value it takes. */
const MOCK_CONTROLS: Record<string, { persona: string; value: RegExp; shape: string }> = {
	'--rate-limit': { persona: 'ratelimit', value: /^\d+(\.\d+)?(:\d+)?$/, shape: 'R[:B]' },
	'--concurrency-limit': { persona: 'concurrency', value: /^[1-9]\d*$/, shape: 'C (1 or more)' },
	'--max-tokens': { persona: 'max-tokens', value: /^[1-9]\d*$/, shape: 'N (1 or more)' },
	'--context-window': {
		persona: 'context',
		value: /^[1-9]\d*(:truncate)?$/,
		shape: 'N[:truncate]',
	},
	'--input-limit': { persona: 'input-limit', value: /^\d+$/, shape: 'N (characters)' },
	'--quota-tokens': { persona: 'quota', value: /^\d+$/, shape: 'T (tokens)' },
}

export class UsageError extends Error {}

export const USAGE = `krawall — chatbot stress testing: what long, expensive conversations cost

Usage:
  krawall [serve] [--no-worker]   HTTP API and dashboard on HOST:PORT (default 127.0.0.1:3000),
                                  with an embedded worker unless --no-worker
  krawall --worker                worker only: consumes jobs from Redis (needs REDIS_URL, DATABASE_URL)
  krawall migrate                 apply the embedded database migrations and exit
  krawall mock [--port N] [--grpc-port N] [--api-key K] [controls]
                                  the mock chatbot server: HTTP, SSE and WebSocket on --port (default
                                  4010) and gRPC on --grpc-port (default: the HTTP port + 1, so 4011);
                                  with --api-key it checks credentials like a real provider. Controls,
                                  each off unless given, on every chat request (per API key):
                                  --rate-limit R[:B] (token bucket, R/s, burst B), --concurrency-limit C,
                                  --max-tokens N, --context-window N[:truncate], --input-limit N (chars),
                                  --quota-tokens T
  krawall run …                   one session from a terminal or CI, with thresholds (krawall run --help)
  krawall assess …                a consumption assessment (OWASP LLM10), exit 3 when a required
                                  control is missing (krawall assess --help)
  krawall --help | --version

Configuration comes from the environment: PORT, HOST, DATABASE_URL (unset: embedded PGlite in
KRAWALL_DATA_DIR, default ./data), REDIS_URL (unset: in-process queue), KRAWALL_ENCRYPTION_KEY,
KRAWALL_WORKER_CONCURRENCY, LOG_LEVEL, KRAWALL_API_TOKEN. See the README.`

export function parseArgs(argv: string[]): Args {
	const args: Args = { command: 'serve', noWorker: false, mockControls: [], rest: [] }
	let commandSeen = false
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i]
		if (args.command === 'run' || args.command === 'assess') {
			args.rest.push(a)
			continue
		}
		if (a === '--help' || a === '-h' || a === 'help') args.command = 'help'
		else if (a === '--version' || a === '-v' || a === 'version') args.command = 'version'
		else if (a === '--worker' || a === 'worker') args.command = 'worker'
		else if (a === '--no-worker') args.noWorker = true
		else if (a === '--port' || a.startsWith('--port=')) {
			const v = a.includes('=') ? a.slice(7) : argv[++i]
			if (!v || !/^\d+$/.test(v) || Number(v) > 65535)
				throw new UsageError(`--port needs a number 0-65535 (got ${v ?? 'nothing'})`)
			args.port = Number(v)
		} else if (a === '--grpc-port' || a.startsWith('--grpc-port=')) {
			const v = a.includes('=') ? a.slice(12) : argv[++i]
			if (!v || !/^\d+$/.test(v) || Number(v) > 65535)
				throw new UsageError(`--grpc-port needs a number 0-65535 (got ${v ?? 'nothing'})`)
			args.grpcPort = Number(v)
		} else if (a === '--api-key' || a.startsWith('--api-key=')) {
			const v = a.includes('=') ? a.slice(10) : argv[++i]
			if (!v) throw new UsageError('--api-key needs a value')
			args.apiKey = v
		} else if (MOCK_CONTROLS[a.split('=')[0]!]) {
			const flag = a.split('=')[0]!
			const control = MOCK_CONTROLS[flag]!
			const v = a.includes('=') ? a.slice(flag.length + 1) : argv[++i]
			if (
				!v ||
				!control.value.test(v) ||
				(flag === '--rate-limit' && !(Number(v.split(':')[0]) > 0))
			)
				throw new UsageError(`${flag} needs ${control.shape} (got ${v ?? 'nothing'})`)
			args.mockControls.push(`${control.persona}:${v}`)
		} else if (!commandSeen && ['serve', 'migrate', 'mock', 'run', 'assess'].includes(a)) {
			commandSeen = true
			if (args.command === 'serve') args.command = a as Command
		} else throw new UsageError(`unknown argument: ${a}`)
	}
	if (args.grpcPort !== undefined && args.command !== 'mock')
		throw new UsageError('--grpc-port is a `krawall mock` flag')
	if (args.mockControls.length && args.command !== 'mock')
		throw new UsageError(`${Object.keys(MOCK_CONTROLS).join(', ')} are \`krawall mock\` flags`)
	if (args.command === 'worker' && args.noWorker)
		throw new UsageError('--worker and --no-worker cannot be combined')
	return args
}
