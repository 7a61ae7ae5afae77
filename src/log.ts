type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'
type Fields = Record<string, unknown>

export interface Logger {
	debug(msg: string, fields?: Fields): void
	info(msg: string, fields?: Fields): void
	warn(msg: string, fields?: Fields): void
	error(msg: string, fields?: Fields): void
	child(fields: Fields): Logger
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 }

/** Keys whose values never reach a log line, whatever their depth. */
const SECRET_KEY =
	/(token|secret|password|apikey|api_key|authorization|authconfig|clientsecret|cookie|key)$/i

function redact(value: unknown, depth = 0): unknown {
	if (depth > 6 || value === null || typeof value !== 'object') return value
	if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1))
	const out: Fields = {}
	for (const [k, v] of Object.entries(value as Fields)) {
		out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1)
	}
	return out
}

function errorFields(fields: Fields): Fields {
	const out: Fields = {}
	for (const [k, v] of Object.entries(fields)) {
		out[k] = v instanceof Error ? { name: v.name, message: v.message } : v
	}
	return out
}

/** JSON-lines logger on stderr; secrets are redacted by key name before writing. */
export function createLogger(
	level: LogLevel,
	base: Fields = {},
	write: (line: string) => void = (line) => process.stderr.write(line + '\n'),
): Logger {
	const min = ORDER[level]
	const emit = (lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: Fields) => {
		if (ORDER[lvl] < min) return
		const record = {
			time: new Date().toISOString(),
			level: lvl,
			msg,
			...base,
			...errorFields(fields ?? {}),
		}
		write(JSON.stringify(redact(record)))
	}
	return {
		debug: (m, f) => emit('debug', m, f),
		info: (m, f) => emit('info', m, f),
		warn: (m, f) => emit('warn', m, f),
		error: (m, f) => emit('error', m, f),
		child: (fields) => createLogger(level, { ...base, ...fields }, write),
	}
}
