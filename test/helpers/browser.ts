import { mkdirSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { TestDeps } from './deps'

/**
 * Real-browser tests: Debian's chromium driven by playwright-core (never a downloaded
 * browser). The app is served on a random loopback port from the test's own deps.
 */
export async function launchBrowser(): Promise<Browser> {
	return chromium.launch({
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-dev-shm-usage'],
	})
}

export function serveApp(deps: TestDeps) {
	const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (req) => deps.app.handle(req), idleTimeout: 0 })
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
