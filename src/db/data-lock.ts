import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'

/**
 * One process per embedded data folder (docs/architecture.md §1). PGlite keeps the database in
 * memory and writes it back to the folder, so a second process on the same folder (`krawall run`
 * beside a running dashboard) would silently lose one side's sessions. The first process writes
 * `<dataDir>/krawall.lock` with its pid; a second one refuses to start, naming the folder and the
 * holder. A lock whose pid is no longer alive (a crash, a kill -9) is taken over.
 */
export class DataDirLocked extends Error {
	constructor(
		readonly dataDir: string,
		readonly holder: LockHolder,
	) {
		super(
			`the data folder ${dataDir} is in use by another krawall process ` +
				`(pid ${holder.pid}${holder.command ? `, "${holder.command}"` : ''}` +
				`${holder.startedAt ? `, since ${holder.startedAt}` : ''}). ` +
				'Only one process may use an embedded data folder: stop that process, point ' +
				'KRAWALL_DATA_DIR at another folder, or share a Postgres database (DATABASE_URL) between processes.',
		)
		this.name = 'DataDirLocked'
	}
}

type LockHolder = { pid: number; command?: string; startedAt?: string }

const LOCK_FILE = 'krawall.lock'

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0)
		return true
	} catch (e) {
		// EPERM: the process exists but belongs to someone else.
		return (e as NodeJS.ErrnoException).code === 'EPERM'
	}
}

function readHolder(path: string): LockHolder | undefined {
	try {
		const v = JSON.parse(readFileSync(path, 'utf8')) as LockHolder
		return Number.isInteger(v?.pid) && v.pid > 0 ? v : undefined
	} catch {
		return undefined
	}
}

/** Takes the folder's lock or throws `DataDirLocked`; returns the release function. */
export function lockDataDir(dataDir: string): () => void {
	const path = join(dataDir, LOCK_FILE)
	const me: LockHolder = {
		pid: process.pid,
		command: ['krawall', ...process.argv.slice(2)].join(' ').slice(0, 200),
		startedAt: new Date().toISOString(),
	}
	for (let attempt = 0; ; attempt++) {
		try {
			const fd = openSync(path, 'wx', 0o644)
			try {
				writeSync(fd, JSON.stringify(me))
			} finally {
				closeSync(fd)
			}
			break
		} catch (e) {
			if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw e
			const holder = readHolder(path)
			if (holder && holder.pid !== process.pid && alive(holder.pid))
				throw new DataDirLocked(dataDir, holder)
			// Stale (its process is gone), unreadable (a crash mid-write) or our own: take it over.
			try {
				unlinkSync(path)
			} catch (err) {
				if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
			}
		}
	}
	return () => {
		if (readHolder(path)?.pid !== process.pid) return
		try {
			unlinkSync(path)
		} catch {
			// Already gone: nothing to release.
		}
	}
}
