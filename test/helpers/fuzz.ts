/**
 * Malformed input for the API fuzz test: bad values for every JSON field, whole-body garbage,
 * odd form fields, odd path params and query values, and a checker for the reference's error
 * envelope. Everything here is deterministic (no random input), so a failure reproduces.
 */

export type Probe = { status: number; json: any; text: string; headers: Headers }
export type Case = {
	label: string
	method: string
	path: string
	body?: unknown
	headers?: Record<string, string>
}

/** Values that are wrong for nearly every field (and a few that are right but nasty). */
export const BAD_VALUES: [string, unknown][] = [
	['null', null],
	['number', 12345],
	['huge number', 1e308],
	['boolean', true],
	['string', 'not-the-right-type'],
	['huge string', 'x'.repeat(20_000)],
	['NUL byte', 'a\u0000b'],
	['lone surrogate', 'a\ud800b'],
	['array', [1, 'two', null, { three: 3 }]],
	['nested object', { a: { b: { c: [1, { d: null }] } } }],
	['prototype key', JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}}}')],
]

/** Every path into `value` (objects and arrays), down to `maxDepth`. */
export function pathsOf(
	value: unknown,
	maxDepth = 4,
	prefix: (string | number)[] = [],
): (string | number)[][] {
	if (prefix.length >= maxDepth || value === null || typeof value !== 'object') return []
	const entries: [string | number, unknown][] = Array.isArray(value)
		? value.map((v, i) => [i, v])
		: Object.entries(value)
	const out: (string | number)[][] = []
	for (const [k, v] of entries) {
		const p = [...prefix, k]
		out.push(p, ...pathsOf(v, maxDepth, p))
	}
	return out
}

/** A copy of `body` with the value at `path` replaced (`undefined` deletes it). */
export function withValue(body: unknown, path: (string | number)[], value: unknown): unknown {
	const copy = structuredClone(body) as any
	let node = copy
	for (const k of path.slice(0, -1)) node = node[k]
	const last = path[path.length - 1]!
	if (value === undefined) delete node[last]
	else node[last] = value
	return copy
}

/** Mutations of a valid body: each field (at any depth) given each bad value, or removed. */
export function mutations(
	valid: Record<string, unknown>,
	opts: { maxDepth?: number; values?: [string, unknown][] } = {},
) {
	const out: { label: string; body: unknown }[] = []
	for (const path of pathsOf(valid, opts.maxDepth ?? 3)) {
		const at = path.join('.')
		out.push({ label: `${at} removed`, body: withValue(valid, path, undefined) })
		for (const [name, v] of opts.values ?? BAD_VALUES)
			out.push({ label: `${at} = ${name}`, body: withValue(valid, path, v) })
	}
	out.push({ label: 'unknown extra field', body: { ...valid, someUnknownField: { x: 1 } } })
	return out
}

/** Raw bodies sent as `application/json` (or with a wrong content type). */
export const RAW_BODIES: { label: string; body: string; contentType?: string }[] = [
	{ label: 'malformed JSON', body: '{"name": ' },
	{ label: 'trailing garbage', body: '{"name":"x"} trailing' },
	{ label: 'empty body', body: '' },
	{ label: 'JSON null', body: 'null' },
	{ label: 'JSON array', body: '[1,2,3]' },
	{ label: 'JSON string', body: '"just a string"' },
	{ label: 'JSON number', body: '42' },
	{ label: 'JSON true', body: 'true' },
	{ label: 'deeply nested JSON', body: '['.repeat(5000) + ']'.repeat(5000) },
	{ label: 'huge JSON string', body: JSON.stringify('y'.repeat(2_000_000)) },
	{ label: 'NUL in JSON key', body: '{"na\\u0000me":"x"}' },
	{ label: 'text/plain body', body: 'hello', contentType: 'text/plain' },
	{ label: 'wrong content type', body: '<xml/>', contentType: 'application/xml' },
	{ label: 'bad charset', body: '{"name":"x"}', contentType: 'application/json; charset=klingon' },
	{
		label: 'truncated multipart',
		body: '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n',
		contentType: 'multipart/form-data; boundary=b',
	},
	{ label: 'multipart without boundary', body: 'x=1', contentType: 'multipart/form-data' },
]

/** Form fields with odd names (the decoder's syntax taken to its corners). */
export const ODD_FORMS: { label: string; fields: [string, string][] }[] = [
	{ label: 'empty form', fields: [] },
	{
		label: 'dots only',
		fields: [
			['...', 'x'],
			['.', 'y'],
		],
	},
	{
		label: 'brackets only',
		fields: [
			['[]', 'x'],
			['[0]', 'y'],
			['][', 'z'],
		],
	},
	{
		label: 'prototype pollution',
		fields: [
			['__proto__.polluted', '1'],
			['constructor.prototype.x', '1'],
			['a.__proto__.b', '1'],
		],
	},
	{
		label: 'huge index',
		fields: [
			['flowConfig[99999999].type', 'message'],
			['requestTemplate.structure.messages[4294967296].x', 'y'],
		],
	},
	{
		label: 'conflicting shapes',
		fields: [
			['name', 'x'],
			['name.first', 'y'],
			['name[0]', 'z'],
			['name[]', 'w'],
		],
	},
	{
		label: 'bad typed values',
		fields: [
			['repetitions:number', 'abc'],
			['isActive:boolean', 'maybe'],
			['flowConfig:json', '[{'],
			['authConfig:json', 'null'],
		],
	},
	{
		label: 'unknown type suffix',
		fields: [
			['name:date', 'x'],
			[':number', '1'],
			['a:json:json', '{}'],
		],
	},
	{ label: 'deep nesting', fields: [['a' + '.b'.repeat(500), 'x']] },
	{
		label: 'very long field',
		fields: [
			['name', 'n'.repeat(100_000)],
			['description', 'd'.repeat(1_000_000)],
		],
	},
	{
		label: 'NUL in field',
		fields: [
			['name', 'a\u0000b'],
			['na\u0000me', 'x'],
		],
	},
	{
		label: 'repeated scalar',
		fields: [
			['name', 'a'],
			['name', 'b'],
			['isActive:boolean', 'false'],
			['isActive:boolean', 'on'],
		],
	},
]

/** Path params that are unknown or odd (already percent-encoded where needed). */
export const ODD_IDS: [string, string][] = [
	['unknown cuid', 'clwxyz000000000000000000'],
	['space', 'a%20b'],
	['quote', '%27%20OR%201%3D1--'],
	['slash', 'a%2Fb'],
	['dot dot', '..%2F..%2Fetc%2Fpasswd'],
	['NUL', 'a%00b'],
	['bad percent', '%E0%A4%A'],
	['lone percent', '%'],
	['emoji', '%F0%9F%92%A9'],
	['very long', 'x'.repeat(5000)],
	['html', '%3Cscript%3Ealert(1)%3C%2Fscript%3E'],
]

/** Query strings that are invalid for nearly every filter. */
export const ODD_QUERIES: string[] = [
	'isActive=maybe',
	'isActive=true&isActive=false',
	'isActive[]=true',
	'isActive=',
	'connectorType=FTP',
	'connectorType[a]=b',
	'category=%00',
	'category=' + 'c'.repeat(10_000),
	'status=NOPE',
	'limit=-1',
	'limit=abc',
	'limit=1e999',
	'limit=99999999999999999999',
	'offset=-5',
	'offset=1.5',
	'startDate=yesterday',
	'endDate=2026-13-45',
	'format=pdf',
	'sessionId=',
	'scenarioId=%27',
	'preset=%00',
	'authType=%3Cb%3E',
	'%=%',
	'a=%E0%A4%A',
]

/**
 * The reference's contract for an error: never a 5xx; a JSON error is `{ success: false, error }`
 * and a validation error carries `details` whose items each have a `path` array.
 * Returns a problem description, or undefined when the response is fine.
 */
export function envelopeProblem(r: Probe, opts: { json: boolean }): string | undefined {
	if (r.status >= 500) return `status ${r.status}: ${r.text.slice(0, 300)}`
	if (r.status < 400 || !opts.json) return undefined
	const type = r.headers.get('content-type') ?? ''
	if (!type.includes('application/json'))
		return `status ${r.status} with content-type "${type}": ${r.text.slice(0, 200)}`
	const j = r.json
	if (!j || j.success !== false || typeof j.error !== 'string' || !j.error)
		return `status ${r.status} without the error envelope: ${r.text.slice(0, 200)}`
	if (j.details !== undefined) {
		if (!Array.isArray(j.details)) return `details is not an array: ${r.text.slice(0, 200)}`
		const bad = j.details.find(
			(d: any) =>
				!Array.isArray(d?.path) || typeof d?.message !== 'string' || typeof d?.code !== 'string',
		)
		if (bad) return `detail without path/message/code: ${JSON.stringify(bad).slice(0, 200)}`
	}
	if (
		r.status === 400 &&
		j.error === 'Validation error' &&
		!(Array.isArray(j.details) && j.details.length)
	) {
		return `Validation error without details: ${r.text.slice(0, 200)}`
	}
	return undefined
}
