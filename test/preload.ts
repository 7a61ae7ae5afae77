/**
 * Runs before any test file: the dashboard CSS is a build output that the static routes
 * import, and the PGlite snapshot (scripts/pgdata-snapshot.ts) one that new embedded data
 * folders start from, so make sure both exist and are current on a fresh checkout.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { snapshotStale } from '../scripts/pgdata-snapshot'

const root = join(import.meta.dir, '..')
if (!existsSync(join(root, 'public/app.css'))) {
	const r = Bun.spawnSync(['bun', 'run', 'build:css'], {
		cwd: root,
		stdout: 'ignore',
		stderr: 'inherit',
	})
	if (r.exitCode !== 0) throw new Error('could not build public/app.css')
}
if (snapshotStale()) {
	const r = Bun.spawnSync(['bun', 'scripts/pgdata-snapshot.ts'], {
		cwd: root,
		stdout: 'ignore',
		stderr: 'inherit',
	})
	if (r.exitCode !== 0) throw new Error('could not build src/db/snapshot/pgdata.tar.gz')
}
