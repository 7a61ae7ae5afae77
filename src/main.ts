/**
 * The `krawall` executable. The only module with process side effects (docs/conventions.md rule 1).
 */
import pkg from '../package.json'
import { createApp } from './app'
import { parseArgs, UsageError, USAGE } from './cli/args'
import { runHeadless, runOnServer } from './cli/run'
import { parseRunArgs, RUN_USAGE } from './cli/run-args'
import { ASSESS_USAGE, parseAssessArgs, runAssessment } from './cli/assess'
import { ConfigError, loadConfig, type Config } from './config'
import { closeAll, createDeps, type Deps } from './deps'
import { openDatabase } from './db/client'
import { migrate } from './db/migrate'
import { createLogger } from './log'
import { SecretError } from './secrets/crypto'
import { schedulerPlugin } from './schedules/runner'
import { startWorkers } from './worker'
import { startSweep } from './execution/sweep'

const EXIT_CONFIG = 2

function fail(message: string, code = 1): never {
	process.stderr.write(`krawall: ${message}\n`)
	process.exit(code)
}

async function main() {
	let args
	try {
		args = parseArgs(process.argv.slice(2))
	} catch (e) {
		if (e instanceof UsageError) fail(`${e.message}\n\n${USAGE}`, EXIT_CONFIG)
		throw e
	}
	if (args.command === 'help') return void console.log(USAGE)
	if (args.command === 'version') return void console.log(`krawall ${pkg.version}`)

	let config: Config
	try {
		config = loadConfig(process.env)
	} catch (e) {
		if (e instanceof ConfigError) fail(e.message, EXIT_CONFIG)
		throw e
	}
	const log = createLogger(config.logLevel)

	if (args.command === 'mock') {
		const { startMockServer } = await import('./mock/server')
		const mock = await startMockServer({
			port: args.port ?? 4010,
			grpcPort: args.grpcPort,
			host: config.host,
			apiKey: args.apiKey,
			personas: args.mockControls.join(','),
		})
		// The handler is in place before the "listening" line, so a caller may stop it at once.
		onSignal(async () => mock.stop())
		log.info('mock chatbot listening', {
			url: mock.url,
			grpc: mock.grpcAddress,
			controls: args.mockControls,
		})
		return
	}

	if (args.command === 'migrate') {
		const database = await openDatabase(config)
		const applied = await migrate(database)
		await database.close()
		if (database.snapshot)
			console.log(`created from the embedded snapshot: ${database.snapshot.join(', ')}`)
		if (applied.length) console.log(`applied: ${applied.join(', ')}`)
		else if (!database.snapshot) console.log('database is up to date')
		return
	}

	if (args.command === 'run') return runCommand(args.rest, config)
	if (args.command === 'assess') return assessCommand(args.rest, config)

	if (args.command === 'worker' && (!config.redisUrl || !config.databaseUrl)) {
		fail(
			'--worker needs REDIS_URL and DATABASE_URL: workers share the queue and the database with the server.\n' +
				'In the embedded mode (no REDIS_URL) the server runs its own worker; start `krawall` instead.',
			EXIT_CONFIG,
		)
	}

	let deps: Deps
	try {
		deps = await createDeps(config, { log })
	} catch (e) {
		if (e instanceof SecretError) fail(e.message, EXIT_CONFIG)
		fail(`could not start: ${e instanceof Error ? e.message : String(e)}`)
	}

	const runWorker = args.command === 'worker' || !args.noWorker
	const workers = runWorker ? startWorkers(deps) : undefined
	// A server without a worker still sweeps (docs/architecture.md §4); workers sweep in startWorkers.
	const sweep = runWorker ? undefined : startSweep(deps)

	if (args.command === 'worker') {
		onSignal(async () => {
			await closeAll([['workers', () => workers!.close(10_000)]], log, 15_000)
			await deps.close()
		})
		return
	}

	if (!config.apiToken && !isLoopback(config.host)) {
		log.warn(
			'listening on a non-loopback address without KRAWALL_API_TOKEN: anyone who can reach it can use it',
			{
				host: config.host,
			},
		)
	}
	if ((config.host === '0.0.0.0' || config.host === '::') && !config.allowedHosts.length) {
		log.warn(
			'bound to every address: only loopback Host names are answered; set KRAWALL_ALLOWED_HOSTS to the names clients use',
			{ host: config.host },
		)
	}
	// The schedule ticker runs in every serving process; an atomic claim makes each fire happen once.
	const app = createApp(deps).use(schedulerPlugin(deps))
	const server = Bun.serve({
		hostname: config.host,
		port: config.port,
		fetch: app.fetch,
		idleTimeout: 0,
		// Bun's own cap only backs up the app's (src/http/body.ts), which answers in the envelope.
		maxRequestBodySize: config.maxBodyBytes + 1024 * 1024,
	})
	log.info('krawall listening', {
		url: `http://${config.host}:${server.port}`,
		database: deps.database.kind,
		queue: deps.queue.kind,
		worker: runWorker,
	})
	// Start-up's garbage (on a first start the embedded snapshot's 41 MB archive) is returned once
	// the server answers, not whenever the heap next grows: idle RSS is what the server keeps.
	setTimeout(() => Bun.gc(true), 500).unref()
	onSignal(async () => {
		await closeAll(
			[
				['http', () => server.stop(true)],
				['sweep', async () => sweep?.stop()],
				['workers', async () => workers?.close(10_000)],
			],
			log,
			15_000,
		)
		await deps.close()
	})
}

/** `krawall run`: one session to its end, on this process's own worker in the embedded mode. */
async function runCommand(argv: string[], config: Config) {
	let opts
	try {
		opts = parseRunArgs(argv)
	} catch (e) {
		if (e instanceof UsageError) fail(`run: ${e.message}\n\n${RUN_USAGE}`, EXIT_CONFIG)
		throw e
	}
	if (opts.help) return void console.log(RUN_USAGE)
	const io = {
		out: (s: string) => void process.stdout.write(s),
		err: (s: string) => void process.stderr.write(s),
		tty: process.stderr.isTTY === true,
	}
	const ctrl = new AbortController()
	process.on('SIGINT', () => ctrl.abort())
	process.on('SIGTERM', () => ctrl.abort())
	// --server: nothing local is opened (no database, no worker); the server does the work.
	if (opts.server) {
		let code = 1
		try {
			code = await runOnServer(opts, io, process.env, ctrl.signal)
		} catch (e) {
			if (e instanceof UsageError) fail(`run: ${e.message}`, EXIT_CONFIG)
			process.stderr.write(`krawall run: ${e instanceof Error ? e.message : String(e)}\n`)
		}
		process.exit(code)
	}
	// Progress goes to stderr; logs only when they matter.
	const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel)
	const deps = await createDeps(config, { log })
	const workers = deps.queue.kind === 'memory' ? startWorkers(deps) : undefined
	let code = 1
	try {
		code = await runHeadless(deps, opts, io, process.env, ctrl.signal)
	} catch (e) {
		if (e instanceof UsageError) fail(`run: ${e.message}`, EXIT_CONFIG)
		process.stderr.write(`krawall run: ${e instanceof Error ? e.message : String(e)}\n`)
	} finally {
		await workers?.close(5000)
		await deps.close()
	}
	process.exit(code)
}

/** `krawall assess`: one assessment to its end, on this process's own worker in the embedded mode. */
async function assessCommand(argv: string[], config: Config) {
	let opts
	try {
		opts = parseAssessArgs(argv)
	} catch (e) {
		if (e instanceof UsageError) fail(`assess: ${e.message}\n\n${ASSESS_USAGE}`, EXIT_CONFIG)
		throw e
	}
	if (opts.help) return void console.log(ASSESS_USAGE)
	const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel)
	const deps = await createDeps(config, { log })
	const workers = deps.queue.kind === 'memory' ? startWorkers(deps) : undefined
	const ctrl = new AbortController()
	process.on('SIGINT', () => ctrl.abort())
	process.on('SIGTERM', () => ctrl.abort())
	let code = 1
	try {
		code = await runAssessment(
			deps,
			opts,
			{ out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
			process.env,
			ctrl.signal,
		)
	} catch (e) {
		if (e instanceof UsageError) {
			await workers?.close(2000)
			await deps.close()
			fail(`assess: ${e.message}`, EXIT_CONFIG)
		}
		process.stderr.write(`krawall assess: ${e instanceof Error ? e.message : String(e)}\n`)
	} finally {
		await workers?.close(5000)
		await deps.close()
	}
	process.exit(code)
}

const isLoopback = (host: string) =>
	host === 'localhost' || host === '::1' || host.startsWith('127.')

function onSignal(shutdown: () => Promise<void>) {
	let stopping = false
	const handler = async (signal: string) => {
		if (stopping) process.exit(130)
		stopping = true
		process.stderr.write(`krawall: ${signal} received, shutting down\n`)
		const hard = setTimeout(() => process.exit(1), 30_000)
		try {
			await shutdown()
		} finally {
			clearTimeout(hard)
			process.exit(0)
		}
	}
	process.on('SIGINT', () => void handler('SIGINT'))
	process.on('SIGTERM', () => void handler('SIGTERM'))
}

main().catch((e) => fail(e instanceof Error ? e.message : String(e)))
