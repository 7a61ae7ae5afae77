import { afterAll, beforeAll } from 'bun:test'
import { mkdirSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { startMockServer, type MockServer } from '../../src/mock/server'
import { startWorkers } from '../../src/worker'
import { createTestDeps, type TestDeps } from './deps'
import { MOCK_KEY } from './mock-run'

/**
 * Real-browser tests: Debian's chromium driven by playwright-core (never a downloaded
 * browser). The app is served on a random loopback port from the test's own deps.
 */
export async function launchBrowser(): Promise<Browser> {
	return chromium.launch({
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: [
			'--no-sandbox',
			'--disable-background-networking',
			'--disable-gpu',
			'--disable-dev-shm-usage',
		],
	})
}

export function serveApp(deps: TestDeps) {
	const server = Bun.serve({
		hostname: '127.0.0.1',
		port: 0,
		fetch: (req) => deps.app.handle(req),
		idleTimeout: 0,
	})
	return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) }
}

/** Fails the test on any page error or failed same-origin request, which tests would otherwise miss. */
export function watchPage(page: Page) {
	const problems: string[] = []
	page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
	page.on('console', (m) => {
		if (m.type() === 'error') problems.push(`console: ${m.text()}`)
	})
	return problems
}

/** Screenshots go to test-artifacts/ (gitignored) so people can look at them. */
export async function screenshot(page: Page, name: string) {
	mkdirSync('test-artifacts', { recursive: true })
	await page.screenshot({ path: `test-artifacts/${name}.png`, fullPage: true })
}

export type BrowserApp = {
	readonly deps: TestDeps
	readonly browser: Browser
	/** The served app's base URL, e.g. `http://127.0.0.1:41234`. */
	readonly url: string
}

/**
 * The browser-test fixture in one call: registers beforeAll/afterAll that create test deps,
 * serve the app on a loopback port and launch Chromium, then close all three. `setup` runs
 * after the deps exist and before the server starts (seed data, start workers or mocks);
 * `teardown` runs after the browser and server stop and before the deps close.
 */
export function useBrowserApp(
	hooks: { setup?: (deps: TestDeps) => unknown; teardown?: () => unknown } = {},
): BrowserApp {
	let deps: TestDeps | undefined
	let browser: Browser | undefined
	let server: ReturnType<typeof serveApp> | undefined
	beforeAll(async () => {
		deps = await createTestDeps()
		await hooks.setup?.(deps)
		server = serveApp(deps)
		browser = await launchBrowser()
	}, 120_000)
	afterAll(async () => {
		await browser?.close()
		server?.stop()
		await hooks.teardown?.()
		await deps?.close()
	}, 30_000)
	const ready = <T>(value: T | undefined, name: string): T => {
		if (value === undefined) throw new Error(`useBrowserApp: ${name} is used before beforeAll ran`)
		return value
	}
	return {
		get deps() {
			return ready(deps, 'deps')
		},
		get browser() {
			return ready(browser, 'browser')
		},
		get url() {
			return ready(server, 'server').url
		},
	}
}

/**
 * `useBrowserApp` with the mock chatbot (checking `MOCK_KEY`, no gRPC) and the app's workers,
 * the fixture most dashboard tests need: the mock starts before the server and stops after it.
 */
export function useMockBrowserApp(): BrowserApp & { readonly mock: MockServer } {
	let mock: MockServer | undefined
	let workers: ReturnType<typeof startWorkers> | undefined
	const app = useBrowserApp({
		setup: async (deps) => {
			mock = await startMockServer({ port: 0, apiKey: MOCK_KEY, grpcPort: false })
			workers = startWorkers(deps)
		},
		teardown: async () => {
			await workers?.close(2000)
			await mock?.stop()
		},
	})
	return Object.defineProperties(app, {
		mock: {
			get() {
				if (!mock) throw new Error('useMockBrowserApp: mock is used before beforeAll ran')
				return mock
			},
		},
	}) as BrowserApp & { readonly mock: MockServer }
}
