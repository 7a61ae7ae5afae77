import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseRunArgs } from '../../src/cli/run-args'

/** docs/ci.md's examples stay working: the YAML parses and every `krawall run` is accepted. */
const doc = readFileSync(join(import.meta.dir, '../../docs/ci.md'), 'utf8')
const blocks = (lang: string) =>
	[...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1])

/** Splits a command line as a shell would for these examples: quotes kept together, `\` joins lines. */
function argv(command: string): string[] {
	const words = command.replace(/\\\n/g, ' ').match(/"[^"]*"|'[^']*'|\S+/g) ?? []
	return words.map((w) => w.replace(/^["']|["']$/g, ''))
}

function runCommands(text: string): string[] {
	const out: string[] = []
	for (const m of text.replace(/\\\n/g, ' ').matchAll(/krawall run [^\n]*/g)) out.push(m[0])
	return out
}

test('the GitHub Actions and GitLab CI examples parse and their krawall run commands are valid', () => {
	const yamls = blocks('yaml')
	expect(yamls.length).toBe(2)
	const [gh, gl] = yamls.map((y) => Bun.YAML.parse(y) as Record<string, any>)
	const steps = gh.jobs['cost-regression'].steps as { uses?: string; run?: string; with?: any }[]
	const run = steps.find((s) => s.run?.includes('krawall run'))!.run!
	const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))!
	expect(upload.with.path).toContain('krawall-report.html')
	expect(upload.with.path).toContain('krawall-junit.xml')
	expect(gl.krawall.artifacts.reports.junit).toBe('krawall-junit.xml')
	expect(gl.krawall.artifacts.paths).toEqual(['krawall-report.html', 'krawall-junit.xml'])
	// GitLab folds `>-` into one line: the script is the same command.
	const glRun = (gl.krawall.script as string[]).find((s) => s.startsWith('krawall run'))!

	const commands = [...blocks('sh').flatMap(runCommands), ...runCommands(run), glRun]
	expect(commands.length).toBe(4)
	// The embedded run in both CIs, and once on a running server.
	expect(commands.filter((c) => c.includes('--server "$KRAWALL_SERVER"')).length).toBe(1)
	for (const c of commands) {
		const o = parseRunArgs(
			argv(c)
				.slice(2)
				.map((w) => w.replace('$KRAWALL_SERVER', 'http://k:3000')),
		)
		expect(o.apiKeyEnv).toBe('OPENAI_API_KEY')
		expect(o.baseline).toBe('krawall/baseline.json')
		expect(o.failOnRegression.length).toBe(3)
		expect(o.junit).toBe('krawall-junit.xml')
		expect(o.report).toBe('krawall-report.html')
	}
})

test("the README's CI section uses --baseline, --junit and --report", () => {
	const readme = readFileSync(join(import.meta.dir, '../../README.md'), 'utf8')
	const ci = readme.slice(
		readme.indexOf('## Headless runs in CI'),
		readme.indexOf('## Scaling out'),
	)
	for (const flag of ['--baseline', '--junit', '--report', 'docs/ci.md']) expect(ci).toContain(flag)
})
