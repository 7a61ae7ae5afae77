import { afterAll, beforeAll, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startMockServer, type MockServer } from '../../src/mock/server'

/** `krawall assess` as a process: exit 0 present, 3 missing, 1 failed, 2 usage error. */
let mock: MockServer
beforeAll(async () => {
	mock = await startMockServer({ port: 0, grpcPort: false })
})
afterAll(async () => {
	await mock.stop()
})

const main = join(import.meta.dir, '../../src/main.ts')
async function assess(args: string[]) {
	const dataDir = mkdtempSync(join(tmpdir(), 'krawall-assess-'))
	const p = Bun.spawn(['bun', main, 'assess', ...args], {
		env: { PATH: process.env.PATH ?? '', KEY: 'sk-test-key-123456', KRAWALL_DATA_DIR: dataDir },
		stdout: 'pipe',
		stderr: 'pipe',
	})
	const [code, out, err] = await Promise.all([
		p.exited,
		new Response(p.stdout).text(),
		new Response(p.stderr).text(),
	])
	return { code, out, err }
}
const preset = (path: string) => [
	'--preset',
	'openai-chat',
	'--endpoint',
	`${mock.url}${path}`,
	'--api-key-env',
	'KEY',
	'--max-cost',
	'1',
]

test('exit codes: 0 present, 3 missing, 1 failed, 2 usage', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'krawall-assess-report-'))
	const report = join(dir, 'report.html')
	const present = await assess([
		...preset('/persona/max-tokens:200,obedient:2000'),
		'--probes',
		'output',
		'--fail-on-missing',
		'output-cap',
		'--report',
		report,
	])
	expect(present.err).not.toContain('krawall assess:')
	expect(present.code).toBe(0)
	expect(present.out).toContain('✓ output-cap: Output cap at 200 tokens')
	expect(existsSync(report)).toBe(true)
	expect(readFileSync(report, 'utf8')).toContain('Output cap at 200 tokens')

	const missing = await assess([
		...preset('/persona/obedient:2000'),
		'--probes',
		'output',
		'--fail-on-missing',
		'output-cap',
		'--json',
	])
	expect(missing.code).toBe(3)
	const j = JSON.parse(missing.out)
	expect(j.missingRequired).toEqual(['output-cap'])
	expect(j.findings[0].verdict).toBe('absent')

	const failed = await assess([
		'--preset',
		'openai-chat',
		'--endpoint',
		'http://127.0.0.1:9',
		'--api-key-env',
		'KEY',
		'--max-cost',
		'1',
		'--probes',
		'output',
	])
	expect(failed.code).toBe(1)

	const usage = await assess(['--preset', 'openai-chat', '--endpoint', mock.url])
	expect(usage.code).toBe(2)
	expect(usage.err).toContain('--max-cost is required')
	const badControl = await assess([...preset(''), '--fail-on-missing', 'nope'])
	expect(badControl.code).toBe(2)
}, 60_000)
