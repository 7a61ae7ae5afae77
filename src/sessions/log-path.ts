import { join } from 'node:path'

/** `logPath` as the reference shows it: relative to the data directory, with a trailing slash. */
export const sessionLogPath = (id: string) => `logs/sessions/${id}/`

export const sessionLogDir = (dataDir: string, id: string) => join(dataDir, 'logs', 'sessions', id)

/** One JSON line per exchanged message, in `seq` order. */
export const sessionLogFile = (dataDir: string, id: string) =>
	join(sessionLogDir(dataDir, id), 'messages.jsonl')
