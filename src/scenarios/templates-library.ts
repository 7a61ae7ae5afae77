import type { ErrorHandling, FlowStep } from '../engine/types'
import type { ScenarioTemplate } from './model'

/**
 * The built-in scenario library (`GET /api/scenarios/templates`): ready flows for the ways an
 * engaged but valid user makes a chatbot expensive. Every one passes validation and runs
 * (test/scenarios/templates.test.ts).
 */
const m = (id: string, message: string, next?: string): FlowStep => ({
	id,
	type: 'message',
	config: { message },
	...(next ? { next } : {}),
})
const loop = (id: string, iterations: number, steps: FlowStep[]): FlowStep => ({
	id,
	type: 'loop',
	config: { iterations, steps },
})
const wait = (id: string, durationMs: number): FlowStep => ({
	id,
	type: 'delay',
	config: { durationMs },
})
const when = (
	id: string,
	condition: string,
	then: FlowStep[],
	otherwise?: FlowStep[],
	next?: string,
): FlowStep => ({
	id,
	type: 'conditional',
	config: { condition, then, ...(otherwise ? { else: otherwise } : {}) },
	...(next ? { next } : {}),
})

const LONG_DOCUMENT = Array.from(
	{ length: 40 },
	(_, i) =>
		`Section ${i + 1}. The quarterly operations review covers supply chain latency, vendor onboarding, ` +
		`regional staffing levels, incident post-mortems and budget variance for cost centre ${100 + i}. ` +
		`Each metric is reported against the previous quarter and the annual plan, with commentary from the owning team.`,
).join('\n')

const retryRateLimits: ErrorHandling = {
	onError: 'skip',
	maxRetries: 3,
	delayMs: 1000,
	backoffMultiplier: 2,
	maxDelayMs: 30_000,
	statusCodes: { '429': 'retry', '503': 'retry' },
}

export const SCENARIO_TEMPLATES: ScenarioTemplate[] = [
	{
		id: 'stress-repetitive-verbose',
		name: 'Repetitive verbose prompts',
		description:
			'The same request for an exhaustive explanation, again and again, each asking for more detail.',
		category: 'stress',
		flowConfig: [
			loop('repeat', 10, [
				m(
					'explain',
					'Explain {{topic}} in full detail, as if for a textbook chapter. This is request {{messageIndex}}.',
				),
			]),
		],
		repetitions: 5,
		concurrency: 2,
		delayBetweenMs: 500,
		verbosityLevel: 'verbose',
		messageTemplates: { topic: 'how TCP congestion control works' },
	},
	{
		id: 'xml-amplification',
		name: 'XML output amplification',
		description: 'Asks for large, deeply nested XML documents: structured output is token-hungry.',
		category: 'structured-output',
		flowConfig: [
			m(
				'schema',
				'Generate an XML catalogue of {{count}} products. Each <product> needs <id>, <name>, <description> (3 sentences), <specs> with 10 <spec> children, and <reviews> with 5 <review> elements.',
			),
			loop('more', 5, [
				m(
					'extend',
					'Add {{count}} more products to the same XML document and return the complete document again, including everything so far.',
				),
			]),
		],
		repetitions: 3,
		concurrency: 1,
		delayBetweenMs: 1000,
		verbosityLevel: 'normal',
		messageTemplates: { count: 50 },
	},
	{
		id: 'json-structured-amplification',
		name: 'JSON schema amplification',
		description:
			'Requests nested JSON with many fields and asks for it to be regenerated with more depth.',
		category: 'structured-output',
		flowConfig: [
			m(
				'json',
				'Return a JSON array of 100 fictional employees with name, address (street, city, country), skills (5 items with level) and a 100-word biography. JSON only.',
			),
			m(
				'deeper',
				'Now add for each employee a "projects" array of 5 projects with milestones. Return the full JSON again.',
			),
			m('yaml', 'Convert the whole result to YAML, then also to XML.'),
		],
		repetitions: 3,
		concurrency: 1,
		delayBetweenMs: 1000,
		verbosityLevel: 'normal',
		messageTemplates: {},
	},
	{
		id: 'context-accumulation',
		name: 'Context accumulation',
		description:
			'A long conversation that keeps building on itself, so every turn carries more history.',
		category: 'context',
		flowConfig: [
			m(
				'start',
				'Let us write a detailed business plan for {{company}}, one section at a time. Start with the executive summary.',
			),
			loop('sections', 20, [
				m(
					'next-section',
					'Good. Briefly recap every section so far, then write the next section (number {{messageIndex}}) in depth.',
				),
			]),
			m('final', 'Now give me the complete business plan from start to finish in one message.'),
		],
		repetitions: 2,
		concurrency: 1,
		delayBetweenMs: 500,
		verbosityLevel: 'normal',
		messageTemplates: { company: 'a bicycle courier cooperative' },
	},
	{
		id: 'long-form-output',
		name: 'Long-form output',
		description: 'Essays, reports and stories of maximal length, followed by "continue".',
		category: 'long-form',
		flowConfig: [
			m(
				'essay',
				'Write a 5000-word essay on {{subject}} with an introduction, ten sections and a conclusion.',
			),
			loop('continue', 5, [
				m('more', 'Continue exactly where you stopped, at the same level of detail.'),
			]),
		],
		repetitions: 3,
		concurrency: 1,
		delayBetweenMs: 0,
		verbosityLevel: 'extreme',
		messageTemplates: { subject: 'the history of cartography' },
	},
	{
		id: 'edge-cases',
		name: 'Edge-case inputs',
		description:
			'Near-empty, unicode-heavy, very long and special-character inputs: how does the bot cope, and what does it cost?',
		category: 'edge-cases',
		flowConfig: [
			m('near-empty', '.'),
			m('whitespace', '?   \t  ?'),
			m(
				'unicode',
				'Ünïcödé tëst: 日本語のテキスト, العربية, עברית, emoji 🚀🔥👩🏽‍💻, combining a\u0301e\u0301, zero-width [\u200b].',
			),
			m(
				'very-long',
				`Summarise this: ${'All work and no play makes a chatbot expensive. '.repeat(200)}`,
			),
			m(
				'markup',
				'<script>alert(1)</script> {"json": [1, 2, {"nested": null}]} \'; DROP TABLE users; -- ${7*7} {{ not a variable }',
			),
			m('numbers', 'What is 0.1 + 0.2? And 9007199254740993? And -0? And NaN?'),
		],
		repetitions: 2,
		concurrency: 1,
		delayBetweenMs: 200,
		verbosityLevel: 'normal',
		messageTemplates: {},
	},
	{
		id: 'rapid-fire',
		name: 'Rapid fire',
		description:
			'Many short messages with no pause and several concurrent users: where does rate limiting start?',
		category: 'rapid-fire',
		flowConfig: [
			loop('burst', 50, [
				m('ping', 'Quick question {{messageIndex}}: what is {{randomInt}} modulo 7?'),
			]),
		],
		repetitions: 10,
		concurrency: 10,
		delayBetweenMs: 0,
		verbosityLevel: 'normal',
		messageTemplates: {},
		errorHandling: { onError: 'skip' },
	},
	{
		id: 'rate-limit-probe',
		name: 'Rate-limit probe',
		description:
			'Sustained traffic that retries politely on 429/503, honouring Retry-After, to find where the target pushes back.',
		category: 'rapid-fire',
		flowConfig: [
			loop('sustain', 100, [m('ask', 'Give me one fun fact about the number {{randomInt}}.')]),
		],
		repetitions: 5,
		concurrency: 5,
		delayBetweenMs: 100,
		verbosityLevel: 'normal',
		messageTemplates: {},
		errorHandling: retryRateLimits,
	},
	{
		id: 'branching-on-replies',
		name: 'Branching on replies',
		description:
			'Reacts to what the bot says: pushes back on refusals, digs deeper on long answers, retries on errors.',
		category: 'branching',
		flowConfig: [
			m('ask', 'Can you give me a complete step-by-step guide to {{task}}?'),
			when(
				'refused',
				"matches:/(sorry|cannot|can't|unable)/i",
				[
					m(
						'rephrase',
						'I understand. Could you instead explain the general principles of {{task}} in detail?',
					),
				],
				[
					when(
						'long-answer',
						'length>2000',
						[m('deeper', 'Great. Expand step 3 into its own complete guide.')],
						[m('more', 'That was short. Please give a much more detailed answer.')],
					),
				],
			),
			when('errored', 'failed', [
				wait('backoff', 2000),
				m('retry', 'Sorry, let me ask again: {{lastUserMessage}}'),
			]),
			m('wrap-up', 'Summarise everything you told me in a checklist.'),
		],
		repetitions: 3,
		concurrency: 1,
		delayBetweenMs: 500,
		verbosityLevel: 'verbose',
		messageTemplates: { task: 'renovating a kitchen' },
	},
	{
		id: 'token-drain',
		name: 'Token drain',
		description:
			'Cost attack: requests that maximise output tokens per input token (lists, tables, exhaustive enumerations).',
		category: 'cost-attack',
		flowConfig: [
			m(
				'enumerate',
				'List 200 {{things}}, each with a 3-sentence description, origin and a fun fact, as a numbered list.',
			),
			loop('again', 5, [
				m(
					'table',
					'Now present the same list as a markdown table with 8 columns, adding 2 new columns of detail.',
				),
			]),
		],
		repetitions: 5,
		concurrency: 2,
		delayBetweenMs: 0,
		verbosityLevel: 'extreme',
		messageTemplates: { things: 'cheeses of the world' },
	},
	{
		id: 'escalation-flood',
		name: 'Escalation flood',
		description:
			'Cost attack: every answer is "not detailed enough", each request doubles the length demanded.',
		category: 'cost-attack',
		flowConfig: [
			m('start', 'Explain how a modern CPU executes an instruction.'),
			loop('escalate', 8, [
				m(
					'double',
					'That was not detailed enough. Redo the entire explanation at twice the length, covering everything again.',
				),
			]),
		],
		repetitions: 3,
		concurrency: 2,
		delayBetweenMs: 0,
		verbosityLevel: 'verbose',
		messageTemplates: {},
	},
	{
		id: 'context-window-stuffing',
		name: 'Context-window stuffing',
		description:
			'Cost attack: pastes a large document every turn and asks for analysis, filling the context window fast.',
		category: 'cost-attack',
		flowConfig: [
			loop('stuff', 10, [
				m(
					'paste',
					'Here is part {{messageIndex}} of our report. Analyse it section by section and relate it to all earlier parts:\n\n{{document}}',
				),
			]),
		],
		repetitions: 2,
		concurrency: 1,
		delayBetweenMs: 0,
		verbosityLevel: 'normal',
		messageTemplates: { document: LONG_DOCUMENT },
	},
	{
		id: 'polite-persistent-requester',
		name: 'Polite persistent requester',
		description:
			'Cost attack: a courteous user who never takes no for an answer and keeps asking for "just a bit more".',
		category: 'cost-attack',
		flowConfig: [
			m(
				'ask',
				'Hello! Could you kindly write a detailed travel itinerary for {{days}} days in {{place}}? Thank you so much!',
			),
			loop('persist', 10, [
				when(
					'refusal',
					"matches:/(sorry|cannot|can't|unable|not able)/i",
					[
						m(
							'plead',
							'I completely understand, and I really appreciate your help. Could you perhaps try once more, even partially?',
						),
					],
					[
						m(
							'thanks',
							'This is wonderful, thank you! Could you add a bit more detail to each day, with restaurants and timings?',
						),
					],
				),
				wait('think', 1000),
			]),
		],
		repetitions: 3,
		concurrency: 1,
		delayBetweenMs: 1500,
		verbosityLevel: 'normal',
		messageTemplates: { days: 14, place: 'Japan' },
	},
	{
		id: 'translation-chain',
		name: 'Translation chain',
		description:
			'Translates a long text through many languages in one conversation: large inputs and outputs every turn.',
		category: 'stress',
		flowConfig: [
			m('source', 'Write a 1000-word short story about a lighthouse keeper.'),
			m('fr', 'Translate the full story into French.'),
			m('de', 'Now translate your French version into German.'),
			m('ja', 'Now into Japanese.'),
			m(
				'back',
				'Finally translate it back into English and list every difference from the original.',
			),
		],
		repetitions: 2,
		concurrency: 1,
		delayBetweenMs: 0,
		verbosityLevel: 'normal',
		messageTemplates: {},
	},
]

export function findTemplate(id: string): ScenarioTemplate | undefined {
	return SCENARIO_TEMPLATES.find((t) => t.id === id)
}
