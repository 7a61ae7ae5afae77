import { parse, stringify, YAMLParseError } from 'yaml'
import { jsonDepth, MAX_BODY_DEPTH, tooDeep, valueDepth } from '../http/body-limits'
import { Invalid } from '../http/errors'

/**
 * YAML import/export of scenarios (the `yaml` library, YAML 1.2). The document holds what a
 * scenario *is* — not its id, timestamps or target (targets differ between installations) — so
 * export → import → export gives the same text.
 */
const YAML_KIND = 'krawall/scenario'
const YAML_VERSION = 1

const FIELDS = [
	'name',
	'description',
	'category',
	'repetitions',
	'concurrency',
	'delayBetweenMs',
	'verbosityLevel',
	'isActive',
	'messageTemplates',
	'errorHandling',
	'flowConfig',
] as const

export function scenarioToYaml(s: Record<string, unknown>): string {
	const doc: Record<string, unknown> = { kind: YAML_KIND, version: YAML_VERSION }
	for (const k of FIELDS) if (s[k] !== undefined && s[k] !== null) doc[k] = s[k]
	return stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })
}

const MAX_YAML_BYTES = 1_000_000

/** The scenario fields of a YAML document; syntax errors become a 400 with the line. */
export function scenarioFromYaml(text: string): Record<string, unknown> {
	if (text.length > MAX_YAML_BYTES)
		throw new Invalid('Invalid YAML', `The document is larger than ${MAX_YAML_BYTES} bytes`)
	// Flow-style nesting is counted in the text, block-style in the parsed value (§8).
	const flowDepth = jsonDepth(text, MAX_BODY_DEPTH)
	if (flowDepth > MAX_BODY_DEPTH) throw tooDeep(flowDepth, MAX_BODY_DEPTH, 'The document')
	let doc: unknown
	try {
		// maxAliasCount bounds "billion laughs" expansion.
		doc = parse(text, { maxAliasCount: 100, prettyErrors: true })
	} catch (e) {
		const msg = e instanceof YAMLParseError ? e.message : 'The document could not be parsed'
		throw new Invalid('Invalid YAML', msg)
	}
	const depth = valueDepth(doc, MAX_BODY_DEPTH)
	if (depth > MAX_BODY_DEPTH) throw tooDeep(depth, MAX_BODY_DEPTH, 'The document')
	if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
		throw new Invalid(
			'Invalid YAML',
			'Expected a mapping with the scenario fields (name, flowConfig, …)',
		)
	const {
		kind,
		version,
		id,
		createdAt,
		updatedAt,
		targetId,
		target,
		sessionCount,
		_count,
		stepCount,
		...fields
	} = doc as Record<string, unknown>
	if (kind !== undefined && kind !== YAML_KIND)
		throw new Invalid([
			{
				code: 'invalid_literal',
				path: ['kind'],
				expected: YAML_KIND,
				message: `Expected kind "${YAML_KIND}"`,
			},
		])
	return fields
}
