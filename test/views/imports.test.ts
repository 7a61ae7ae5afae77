import { describe, expect, test } from 'bun:test'
import { Glob } from 'bun'
import { dirname, join, relative, resolve } from 'node:path'

/**
 * The view layer's rules (issue 11), checked over every file under views/:
 *
 * 1. A view imports other views (views/…), `@kitajs/html` types, and from src/ only the types of
 *    a module's `model.ts` or `present.ts` — `import type` statements, nothing else.
 * 2. At run time a view loads nothing outside views/: no service, no query, no constant from src
 *    (they arrive as props). Checked on what the transpiler keeps, so an inline `{ type X }`
 *    that is erased passes rule 2 but still has to name a model/present file under rule 1.
 * 3. No file in views/ is longer than 300 lines.
 */

const ROOT = resolve(import.meta.dir, '../..')
const VIEWS = join(ROOT, 'views')
const MAX_LINES = 300
/**
 * What the JSX transform itself requires (the tsconfig's `jsxImportSource`, and the transpiler's
 * classic-factory fallback, which KitaJS never reaches): not imports a view wrote.
 */
const JSX_RUNTIME = /^(@kitajs\/html\/jsx(-dev)?-runtime|react)$/

const files = [...new Glob('**/*.{ts,tsx}').scanSync(VIEWS)].sort().map((f) => join(VIEWS, f))
const transpiler = new Bun.Transpiler({
	loader: 'tsx',
	tsconfig: { compilerOptions: { jsx: 'react-jsx', jsxImportSource: '@kitajs/html' } },
})

type Import = { spec: string; typeOnly: boolean; line: number }

/** Every `import … from`, `export … from` and side-effect import, with whether it is `import type`. */
function importsOf(source: string): Import[] {
	const out: Import[] = []
	const statement = /^(import|export)\s+(type\s+)?[^;'"]*?from\s*['"]([^'"]+)['"]/gm
	const bare = /^import\s*['"]([^'"]+)['"]/gm
	const dynamic = /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g
	const lineAt = (i: number) => source.slice(0, i).split('\n').length
	for (const m of source.matchAll(statement))
		out.push({ spec: m[3], typeOnly: m[1] === 'import' && !!m[2], line: lineAt(m.index) })
	for (const m of source.matchAll(bare))
		out.push({ spec: m[1], typeOnly: false, line: lineAt(m.index) })
	for (const m of source.matchAll(dynamic))
		out.push({ spec: m[1], typeOnly: false, line: lineAt(m.index) })
	return out
}

const inside = (dir: string, path: string) => !relative(dir, path).startsWith('..')
/** src/<module>/model(.ts) or src/<module>/present(.ts), as an import path resolves. */
const isModelOrPresent = (path: string) =>
	/^src\/[a-z-]+\/(model|present)(\.tsx?)?$/.test(relative(ROOT, path))

function problemOf(file: string, imp: Import): string | undefined {
	if (!imp.spec.startsWith('.')) {
		if (imp.spec === '@kitajs/html' && imp.typeOnly) return undefined
		return 'packages: only `import type` from @kitajs/html'
	}
	const target = resolve(dirname(file), imp.spec)
	if (inside(VIEWS, target)) return undefined
	if (!isModelOrPresent(target)) return 'outside views/: only src/<module>/model.ts or present.ts'
	if (!imp.typeOnly) return 'src/ model and present files: `import type` only'
	return undefined
}

describe('views import only views, and types of model.ts / present.ts', () => {
	test('there are views to check', () => {
		expect(files.length).toBeGreaterThan(20)
	})

	test('every import statement follows the rule', async () => {
		const problems: string[] = []
		for (const file of files) {
			const source = await Bun.file(file).text()
			for (const imp of importsOf(source)) {
				const problem = problemOf(file, imp)
				if (problem) problems.push(`${relative(ROOT, file)}:${imp.line} '${imp.spec}': ${problem}`)
			}
		}
		expect(problems).toEqual([])
	})

	test('at run time a view loads nothing outside views/', async () => {
		const problems: string[] = []
		for (const file of files) {
			const code = await Bun.file(file).text()
			for (const { path, kind } of transpiler.scanImports(code)) {
				if (kind === 'require-call' && JSX_RUNTIME.test(path)) continue
				if (path.startsWith('.') && inside(VIEWS, resolve(dirname(file), path))) continue
				problems.push(`${relative(ROOT, file)}: loads '${path}'`)
			}
		}
		expect(problems).toEqual([])
	})

	test(`no file in views/ is longer than ${MAX_LINES} lines`, async () => {
		const long: string[] = []
		for (const file of files) {
			const lines = (await Bun.file(file).text()).split('\n').length - 1
			if (lines > MAX_LINES) long.push(`${relative(ROOT, file)}: ${lines} lines`)
		}
		expect(long).toEqual([])
	})
})

describe('the rule catches what it should', () => {
	const file = join(VIEWS, 'sessions', 'detail.tsx')
	const check = (source: string) => importsOf(source).map((i) => problemOf(file, i))

	test('a runtime import of a service, a type from a service, a package', () => {
		expect(check(`import { messageEvents } from '../../src/sessions/events'`)[0]).toContain(
			'model.ts or present.ts',
		)
		expect(check(`import type { X } from '../../src/sessions/service'`)[0]).toContain(
			'model.ts or present.ts',
		)
		expect(check(`import { SESSION_STATUSES } from '../../src/sessions/model'`)[0]).toContain(
			'`import type` only',
		)
		expect(check(`import { Elysia } from 'elysia'`)[0]).toContain('packages')
	})

	test('what views may import', () => {
		expect(
			check(
				[
					`import type { SessionDetail } from '../../src/sessions/present'`,
					`import type {\n\tA,\n\tB,\n} from '../../src/metrics/model'`,
					`import { Tile } from '../ui/tile'`,
					`import type { PropsWithChildren } from '@kitajs/html'`,
				].join('\n'),
			),
		).toEqual([undefined, undefined, undefined, undefined])
	})

	test('a runtime import the transpiler keeps is seen', () => {
		const kept = transpiler
			.scanImports(`import { getSession } from '../../src/sessions/service'\ngetSession()`)
			.map((i) => i.path)
		expect(kept).toContain('../../src/sessions/service')
	})
})
