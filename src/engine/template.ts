/**
 * `{{name}}` templates with dotted paths (`{{user.name}}`). Built-ins first, then the scenario's
 * `messageTemplates` (overridden by `executionConfig.messageTemplates`). Unknown variables are a
 * validation error at save time (see flow-validation.ts), never an empty string at run time.
 */

const BUILTIN_VARIABLES = [
	'sessionId',
	'conversationIndex',
	'turnIndex',
	'messageIndex',
	'timestamp',
	'lastResponse',
	'lastUserMessage',
	'randomInt',
	'uuid',
	'loopIndex',
] as const

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+)*)\s*\}\}/g

/** The variable paths a template uses, in order. */
export function templateVariables(text: string): string[] {
	return [...text.matchAll(PLACEHOLDER)].map((m) => m[1])
}

function resolvePath(vars: Record<string, unknown>, path: string): unknown {
	let node: unknown = vars
	for (const seg of path.split('.')) {
		if (node === null || typeof node !== 'object' || !Object.hasOwn(node, seg)) return undefined
		node = (node as Record<string, unknown>)[seg]
	}
	return node
}

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v))

/** Replaces each placeholder; a path that resolves to nothing is left as written. */
export function renderTemplate(text: string, vars: Record<string, unknown>): string {
	return text.replace(PLACEHOLDER, (whole, path: string) => {
		const v = resolvePath(vars, path)
		return v === undefined ? whole : show(v)
	})
}

/** Whether `path` names a known variable: a built-in, or a path into the templates object. */
export function isKnownVariable(path: string, templates: Record<string, unknown>): boolean {
	if ((BUILTIN_VARIABLES as readonly string[]).includes(path)) return true
	return resolvePath(templates, path) !== undefined
}
