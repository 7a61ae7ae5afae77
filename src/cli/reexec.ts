/**
 * Bun caps concurrent `fetch` at 256 unless BUN_CONFIG_MAX_HTTP_REQUESTS is set before the
 * process starts (DESIGN.md §10: 0.26 of the ideal rate at 1000 conversations without it,
 * 0.98 with it). So the executable re-runs itself once with the variable set, forwarding
 * signals and the exit code. The child watches its parent: if the parent is killed outright
 * (SIGKILL), the child dies too instead of running on unsupervised.
 */
const MAX_HTTP_REQUESTS = '65535'

export function needsReexec(env: Record<string, string | undefined>): boolean {
	return !env.BUN_CONFIG_MAX_HTTP_REQUESTS && env.KRAWALL_REEXEC !== '0'
}

/** Runs this same program as a child with the variable set; never returns. */
export async function reexec(): Promise<never> {
	const compiled = (process.argv[1] ?? '').startsWith('/$bunfs/')
	const cmd = compiled
		? [process.execPath, ...process.argv.slice(2)]
		: [process.execPath, process.argv[1], ...process.argv.slice(2)]
	const child = Bun.spawn(cmd, {
		env: {
			...process.env,
			BUN_CONFIG_MAX_HTTP_REQUESTS: MAX_HTTP_REQUESTS,
			KRAWALL_PARENT_PID: String(process.pid),
		},
		stdio: ['inherit', 'inherit', 'inherit'],
	})
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
		process.on(signal, () => child.kill(signal))
	}
	const code = await child.exited
	process.exit(child.signalCode ? 128 + (signalNumber[child.signalCode] ?? 1) : code)
}

const signalNumber: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }

/** In the child: die with the parent (checked every 500 ms; the timer does not keep us alive). */
export function watchParent(parentPid: string | undefined) {
	if (!parentPid) return
	const timer = setInterval(() => {
		if (String(process.ppid) !== parentPid) process.kill(process.pid, 'SIGKILL')
	}, 500)
	timer.unref()
}
