import type { FlowStepType } from '../engine/types'
import { canonicalizeFlow } from '../engine/flow-validation'
import { scenarioFromYaml, scenarioToYaml } from './yaml'
import { AppError } from '../http/errors'
import type { Draft, EditorState } from './present'

/**
 * The scenario editor's state changes. The editor form posts the whole draft (field names per
 * src/http/form.ts, e.g. `flowConfig[0].config.then[1].config.message`) plus one `op`; the server
 * applies it and re-renders the editor with validation errors inline. No client framework.
 *
 *   add:<list path>:<type>   remove:<step path>   up:<step path>   down:<step path>
 *   view:yaml   apply-yaml   check
 *
 * Paths are dotted, e.g. `flowConfig.2.config.steps`.
 */
const isObj = (v: unknown): v is Record<string, unknown> =>
	typeof v === 'object' && v !== null && !Array.isArray(v)

/** The editable fields of a posted body: anything but the editor's own controls. */
export function draftFromBody(body: unknown): Draft {
	const { op: _op, scenarioId: _id, yamlSource: _y, ...draft } = isObj(body) ? body : {}
	return draft
}

const segs = (path: string) => path.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s))
const UNSAFE = new Set(['__proto__', 'prototype', 'constructor'])

/** The list at `path`, created when the draft has none yet (an empty branch sends no fields). */
function listAt(draft: Draft, path: (string | number)[], create: boolean): unknown[] | undefined {
	if (path.some((p) => typeof p === 'string' && UNSAFE.has(p))) return undefined
	let node: any = draft
	for (let i = 0; i < path.length; i++) {
		const key = path[i]
		const last = i === path.length - 1
		if (node[key] === undefined || node[key] === null) {
			if (!create) return undefined
			node[key] = last || typeof path[i + 1] === 'number' ? [] : {}
		}
		node = node[key]
		if (typeof node !== 'object') return undefined
	}
	return Array.isArray(node) ? node : undefined
}

function allIds(list: unknown, out = new Set<string>()): Set<string> {
	if (!Array.isArray(list)) return out
	for (const s of list) {
		if (!isObj(s)) continue
		if (typeof s.id === 'string') out.add(s.id)
		const c = isObj(s.config) ? s.config : {}
		for (const k of ['then', 'else', 'steps']) allIds(c[k], out)
	}
	return out
}

function freshId(draft: Draft, type: string): string {
	const ids = allIds(draft.flowConfig)
	let n = 1
	while (ids.has(`${type}-${n}`)) n++
	return `${type}-${n}`
}

export function newStep(draft: Draft, type: FlowStepType): Record<string, unknown> {
	const id = freshId(draft, type)
	switch (type) {
		case 'message':
			return { id, type, config: { message: 'Hello! Can you help me?' } }
		case 'delay':
			return { id, type, config: { durationMs: 1000 } }
		case 'conditional':
			return { id, type, config: { condition: 'contains:sorry', then: [], else: [] } }
		case 'loop': {
			const inner = { id: `${id}-message`, type: 'message', config: { message: 'Tell me more.' } }
			return { id, type, config: { iterations: 3, steps: [inner] } }
		}
	}
}

const TYPES = new Set(['message', 'delay', 'conditional', 'loop'])

export function applyOp(draft: Draft, op: unknown, yamlSource?: unknown): EditorState {
	const state: EditorState = { draft, mode: 'form' }
	if (typeof op !== 'string') return state
	const [verb, path = '', arg = ''] = op.split(':')
	if (verb === 'view' && path === 'yaml') {
		const flow = canonicalizeFlow(draft.flowConfig ?? [])
		return { draft, mode: 'yaml', yamlText: scenarioToYaml({ ...draft, flowConfig: flow }) }
	}
	if (verb === 'apply-yaml') {
		try {
			return { draft: scenarioFromYaml(String(yamlSource ?? '')), mode: 'form' }
		} catch (e) {
			const message =
				e instanceof AppError ? (e.detailMessage ?? e.error) : 'The YAML could not be read'
			return { draft, mode: 'yaml', yamlText: String(yamlSource ?? ''), yamlError: message }
		}
	}
	if (verb === 'add') {
		if (!TYPES.has(arg)) return state
		const list = listAt(draft, segs(path), true)
		list?.push(newStep(draft, arg as FlowStepType))
		return state
	}
	if (verb === 'remove' || verb === 'up' || verb === 'down') {
		const p = segs(path)
		const index = p.pop()
		const list = listAt(draft, p, false)
		if (!list || typeof index !== 'number' || index >= list.length) return state
		if (verb === 'remove') list.splice(index, 1)
		else {
			const to = verb === 'up' ? index - 1 : index + 1
			if (to < 0 || to >= list.length) return state
			;[list[index], list[to]] = [list[to], list[index]]
		}
	}
	return state
}
