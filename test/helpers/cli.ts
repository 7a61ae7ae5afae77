import { runHeadless, runOnServer } from '../../src/cli/run'
import { parseRunArgs } from '../../src/cli/run-args'
import type { TestDeps } from './deps'
import { MOCK_KEY, useMockRun } from './mock-run'

/** What one `krawall run` printed and its exit code. */
export type CliResult = { code: number; out: string; err: string }

type Io = { out: (s: string) => void; err: (s: string) => void; tty: boolean }

/** Runs `fn` with an io that collects stdout and stderr. */
export async function capture(fn: (io: Io) => Promise<number>, tty = false): Promise<CliResult> {
	let out = ''
	let err = ''
	const code = await fn({ out: (s) => void (out += s), err: (s) => void (err += s), tty })
	return { code, out, err }
}

/** `krawall run <argv>` in process, on `deps` and its workers, with `env` as the environment. */
export const runIn = (
	deps: TestDeps,
	argv: string[],
	env: Record<string, string> = { KEY: MOCK_KEY },
	tty = false,
) => capture((io) => runHeadless(deps, parseRunArgs(argv), io, env), tty)

/** `krawall run --server <url> <argv>`: the same run through a server's API. */
export const runAt = (
	url: string,
	argv: string[],
	env: Record<string, string> = { KEY: MOCK_KEY },
	tty = false,
) => capture((io) => runOnServer(parseRunArgs(['--server', url, ...argv]), io, env), tty)

/**
 * The `krawall run` fixture: `useMockRun()` (test deps, the mock checking MOCK_KEY, workers) and
 * `preset()`, the flags of a preset target on the mock whose key is in KEY (the default env).
 */
export function useCliRun(opts: { env?: Record<string, string> } = {}) {
	const ctx = useMockRun(opts)
	return {
		get deps() {
			return ctx.deps
		},
		get mock() {
			return ctx.mock
		},
		run: (argv: string[], env?: Record<string, string>, tty?: boolean) =>
			runIn(ctx.deps, argv, env, tty),
		/** `--preset openai-chat` against the mock at `path`, with the key from KEY. */
		preset: (path = '') => [
			'--preset',
			'openai-chat',
			'--endpoint',
			`${ctx.mock.url}${path}`,
			'--api-key-env',
			'KEY',
		],
	}
}
