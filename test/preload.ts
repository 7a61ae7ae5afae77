/**
 * Runs before any test file: the dashboard CSS is a build output that the static routes
 * import, so make sure it exists on a fresh checkout.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'

const root = join(import.meta.dir, '..')
if (!existsSync(join(root, 'public/app.css'))) {
	const r = Bun.spawnSync(['bun', 'run', 'build:css'], {
		cwd: root,
		stdout: 'ignore',
		stderr: 'inherit',
	})
	if (r.exitCode !== 0) throw new Error('could not build public/app.css')
}
