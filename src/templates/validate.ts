import { JSONPath } from 'jsonpath-plus'
import type { CheckResult, ValidateInput, ValidateResult } from './model'
import { getPath, listPaths, PathError, pathSegments, setPath, toJsonPath } from './paths'

/**
 * `POST /api/templates/validate` (the reference): is `messagePath` writable into `structure`,
 * and do `responsePath`, `tokenUsagePath`, `errorPath` extract something from a sample response?
 * Failures carry a `suggestion` list of paths that exist in the sample (or the structure).
 * Also used when a target is saved (without a sample: syntax and writability only).
 */

const MAX_SHOWN = 80
const MAX_SUGGESTIONS = 10

/** Returns a problem with the path's syntax, or undefined. Filters and scripts are refused (user input must not run code). */
export function pathSyntaxProblem(path: string): string | undefined {
	const p = path.trim()
	if (!p) return 'Path is empty'
	if (/[?()]/.test(p) || p.includes('@'))
		return `Path "${path}" uses a filter or script expression, which is not allowed`
	try {
		const parts = JSONPath.toPathArray(toJsonPath(p))
		if (!parts.length) return `Path "${path}" is not a valid path`
	} catch (e) {
		return `Path "${path}" is not a valid path: ${(e as Error).message}`
	}
	return undefined
}

const show = (v: unknown): string => {
	const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v))
	return s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}...` : s
}

const kindOf = (v: unknown) =>
	v === null
		? 'null'
		: Array.isArray(v)
			? 'an array'
			: typeof v === 'object'
				? 'an object'
				: `a ${typeof v}`

/** Last segments that usually hold what a path is after, to break ties between equally close paths. */
const LIKELY = /^(content|text|message|response|reply|output|answer|usage|usagemetadata|tokens?)$/i

/** Paths in `json` whose value passes `keep`, closest to `wanted` (shared segments) first. */
export function suggest(json: unknown, wanted: string, keep: (v: unknown) => boolean): string[] {
	const want = new Set(
		String(wanted)
			.toLowerCase()
			.split(/[.[\]$'"]+/)
			.filter(Boolean),
	)
	const score = (p: string) => {
		const segs = p.toLowerCase().split('.')
		return (
			segs.filter((s) => want.has(s)).length * 2 +
			(LIKELY.test(segs[segs.length - 1] ?? '') ? 1 : 0)
		)
	}
	const scored = listPaths(json, 500)
		.filter((p) => keep(getPath(json, p)))
		.map((p, i) => ({ p, i, score: score(p) }))
	scored.sort((a, b) => b.score - a.score || a.i - b.i)
	return scored.slice(0, MAX_SUGGESTIONS).map((s) => s.p)
}

export const isText = (v: unknown) => typeof v === 'string'
const isUsage = (v: unknown) =>
	v !== null &&
	typeof v === 'object' &&
	!Array.isArray(v) &&
	Object.values(v).some((x) => typeof x === 'number')

/** Index segments past the end of an existing array would create holes (sent as nulls). */
function holeProblem(structure: Record<string, unknown>, path: string): string | undefined {
	const segs = pathSegments(path) ?? []
	let node: unknown = structure
	for (const [i, s] of segs.entries()) {
		if (node === undefined || node === null || typeof node !== 'object') return undefined
		if (Array.isArray(node) && typeof s === 'number' && s > node.length) {
			const at = segs.slice(0, i).join('.') || '(root)'
			return `index ${s} is past the end of the array at "${at}" (length ${node.length})`
		}
		node = (node as Record<string | number, unknown>)[s]
	}
	return undefined
}

export function checkMessagePath(
	messagePath: string,
	structure: Record<string, unknown> = {},
): CheckResult {
	const field = 'requestTemplate.messagePath'
	const syntax = pathSyntaxProblem(messagePath)
	if (syntax) return { field, valid: false, message: syntax }
	const fail = (message: string): CheckResult => ({
		field,
		valid: false,
		message,
		suggestion: suggest(structure, messagePath, isText),
	})
	if (!pathSegments(messagePath)?.length)
		return fail(`Path "${messagePath}" is not writable: use a concrete path without wildcards`)
	const hole = holeProblem(structure, messagePath)
	if (hole) return fail(`Path "${messagePath}" is not writable: ${hole}`)
	const existing = getPath(structure, messagePath)
	if (existing !== undefined && existing !== null && typeof existing === 'object') {
		return fail(
			`Path "${messagePath}" points at ${kindOf(existing)} in the structure, not at a text field`,
		)
	}
	try {
		setPath(structuredClone(structure), messagePath, 'probe')
	} catch (e) {
		return fail(
			`Path "${messagePath}" is not writable: ${e instanceof PathError ? e.message : String(e)}`,
		)
	}
	return { field, valid: true, message: `Path "${messagePath}" is valid and writable` }
}

export function checkHistoryPath(
	historyPath: string,
	structure: Record<string, unknown> = {},
): CheckResult {
	const field = 'requestTemplate.historyPath'
	const syntax = pathSyntaxProblem(historyPath)
	if (syntax) return { field, valid: false, message: syntax }
	const segs = pathSegments(historyPath)
	const arrays = () => suggest(structure, historyPath, Array.isArray)
	if (!segs?.length)
		return {
			field,
			valid: false,
			message: `Path "${historyPath}" must be a concrete path`,
			suggestion: arrays(),
		}
	const at = getPath(structure, historyPath)
	if (at !== undefined && !Array.isArray(at)) {
		return {
			field,
			valid: false,
			message: `Path "${historyPath}" points at ${kindOf(at)}; the history must be an array`,
			suggestion: arrays(),
		}
	}
	return { field, valid: true, message: `History will be sent as the array at "${historyPath}"` }
}

function checkRead(
	field: string,
	path: string,
	sample: unknown,
	hasSample: boolean,
	kind: 'content' | 'usage' | 'error',
): CheckResult {
	const syntax = pathSyntaxProblem(path)
	if (syntax) return { field, valid: false, message: syntax }
	if (!hasSample) return { field, valid: true, message: `Path "${path}" is valid` }
	const value = getPath(sample, path)
	if (kind === 'error') {
		if (value === undefined)
			return {
				field,
				valid: true,
				message: `No error at "${path}" in the sample (expected for a successful response)`,
			}
		return { field, valid: true, message: `Found error at "${path}": ${show(value)}` }
	}
	const keep = kind === 'content' ? isText : isUsage
	if (value === undefined) {
		return {
			field,
			valid: false,
			message: `No value found at "${path}" in the sample response`,
			suggestion: suggest(sample, path, keep),
		}
	}
	if (!keep(value)) {
		const want = kind === 'content' ? 'text' : 'an object with token counts'
		return {
			field,
			valid: false,
			message: `Found ${kindOf(value)} at "${path}", expected ${want}`,
			suggestion: suggest(sample, path, keep),
		}
	}
	return kind === 'content'
		? { field, valid: true, message: `Found content at "${path}": ${show(value)}` }
		: { field, valid: true, message: `Found token usage at "${path}": ${show(value)}` }
}

export function validateTemplates(input: ValidateInput): ValidateResult {
	const results: CheckResult[] = []
	const req = input.requestTemplate
	if (req) {
		results.push(checkMessagePath(req.messagePath, req.structure ?? {}))
		if (req.historyPath?.trim())
			results.push(checkHistoryPath(req.historyPath, req.structure ?? {}))
	}
	const res = input.responseTemplate
	if (res) {
		const hasSample = input.sampleResponse !== undefined && input.sampleResponse !== null
		const sample = input.sampleResponse
		results.push(
			checkRead('responseTemplate.responsePath', res.responsePath, sample, hasSample, 'content'),
		)
		if (res.tokenUsagePath?.trim())
			results.push(
				checkRead(
					'responseTemplate.tokenUsagePath',
					res.tokenUsagePath,
					sample,
					hasSample,
					'usage',
				),
			)
		if (res.errorPath?.trim())
			results.push(
				checkRead('responseTemplate.errorPath', res.errorPath, sample, hasSample, 'error'),
			)
	}
	return { valid: results.every((r) => r.valid), results }
}
