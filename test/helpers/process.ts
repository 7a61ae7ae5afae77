import type { Subprocess } from 'bun'

/** A running krawall process and what it printed, for tests that drive the binary. */
export type Running = {
	proc: Subprocess<'ignore', 'pipe', 'pipe'>
	url: string
	stderr: () => string
	drained: Promise<void>
}

/** Starts `cmd` and waits for its "listening" log line; resolves with the URL it printed. */
export async function startListening(
	cmd: string[],
	opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Running> {
	const timeoutMs = opts.timeoutMs ?? 30_000
	const proc = Bun.spawn(cmd, {
		cwd: opts.cwd,
		env: opts.env ?? {},
		stdin: 'ignore',
		stdout: 'pipe',
		stderr: 'pipe',
	})
	let err = ''
	let found: ((url: string) => void) | undefined
	const decoder = new TextDecoder()
	// One reader for the whole life of the process, so the pipe never fills and nothing is lost.
	const drained = (async () => {
		for await (const chunk of proc.stderr as unknown as AsyncIterable<Uint8Array>) {
			err += decoder.decode(chunk)
			const m = found && /"msg":"[^"]*listening","url":"([^"]+)"/.exec(err)
			if (m) {
				found!(m[1])
				found = undefined
			}
		}
	})().catch(() => {})
	const url = await new Promise<string>((resolve, reject) => {
		const timer = setTimeout(
			() => reject(new Error(`no listening line within ${timeoutMs} ms:\n${err}`)),
			timeoutMs,
		)
		found = (u) => {
			clearTimeout(timer)
			resolve(u)
		}
		void proc.exited.then(() => {
			if (found) reject(new Error(`process exited before listening:\n${err}`))
		})
	})
	return { proc, url, stderr: () => err, drained }
}

export async function stop(r: Running, signal: NodeJS.Signals = 'SIGTERM') {
	r.proc.kill(signal)
	const code = await r.proc.exited
	await r.drained
	return code
}
