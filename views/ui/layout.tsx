import type { PropsWithChildren } from '@kitajs/html'

const NAV = [
	{ href: '/', label: 'Dashboard' },
	{ href: '/targets', label: 'Targets' },
	{ href: '/scenarios', label: 'Scenarios' },
	{ href: '/sessions', label: 'Sessions' },
	{ href: '/metrics', label: 'Metrics' },
	{ href: '/schedules', label: 'Schedules' },
	{ href: '/assessments', label: 'Assessments' },
	{ href: '/webhooks', label: 'Webhooks' },
] as const

/**
 * htmx settings: full pages on history restore (docs/conventions.md rule 7) and 4xx fragments swapped in,
 * so validation errors appear next to the form that caused them.
 */
const HTMX_CONFIG = JSON.stringify({
	historyRestoreAsHxRequest: false,
	responseHandling: [
		{ code: '204', swap: false },
		{ code: '[23]..', swap: true },
		{ code: '4..', swap: true, error: false },
		{ code: '...', swap: true, error: true },
	],
})

const FAVICON =
	"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='6' fill='%234f46e5'/%3E%3Ctext x='16' y='23' font-size='20' text-anchor='middle' fill='white' font-family='sans-serif'%3EK%3C/text%3E%3C/svg%3E"

/**
 * Where the sign-out control goes. Empty in the page; with KRAWALL_API_TOKEN set, the auth plugin
 * (src/auth/routes.tsx) fills it in every HTML page it serves, since only it knows a token is in use.
 */
export const SIGN_OUT_SLOT = '<!--krawall:sign-out-->'

/** The sign-out control the auth plugin puts in SIGN_OUT_SLOT (POST /logout clears the cookie). */
export function SignOut() {
	return (
		<form method="post" action="/logout" hx-boost="false" class="m-0">
			<button
				type="submit"
				class="w-full rounded-md px-3 py-2 text-left text-sm text-slate-600 hover:bg-slate-100 hover:text-slate-900 md:py-1.5"
				data-sign-out
			>
				Sign out
			</button>
		</form>
	)
}

const isActive = (href: string, active: string) =>
	href === '/' ? active === '/' : active.startsWith(href)

type LayoutProps = PropsWithChildren<{ title: string; active: string }>

/** The dashboard shell. Pages compose their fragments inside it; it works with JavaScript off. */
export function Layout({ title, active, children }: LayoutProps) {
	return (
		<>
			{'<!doctype html>'}
			<html lang="en">
				<head>
					<meta charset="utf-8" />
					<meta name="viewport" content="width=device-width, initial-scale=1" />
					<meta name="htmx-config" content={HTMX_CONFIG} />
					<title safe>{`${title} · Krawall`}</title>
					<link rel="icon" href={FAVICON} />
					<link rel="stylesheet" href="/public/app.css" />
					<script src="/public/htmx.min.js" defer></script>
					<script src="/public/sse.min.js" defer></script>
				</head>
				<body class="min-h-screen bg-slate-50 text-slate-900 antialiased" hx-boost="true">
					<header class="border-b border-slate-200 bg-white">
						<div class="mx-auto flex max-w-7xl items-center gap-8 px-6 py-3">
							<a
								href="/"
								class="flex items-center gap-2 text-lg font-bold tracking-tight text-slate-900"
							>
								<span class="inline-flex h-7 w-7 items-center justify-center rounded-md bg-indigo-600 text-sm text-white">
									K
								</span>
								Krawall
							</a>
							<nav class="hidden flex-wrap gap-1 text-sm md:flex" aria-label="Main">
								{NAV.map((item) => (
									<a
										href={item.href}
										class={
											isActive(item.href, active)
												? 'rounded-md bg-indigo-50 px-3 py-1.5 font-medium text-indigo-700'
												: 'rounded-md px-3 py-1.5 text-slate-600 hover:bg-slate-100 hover:text-slate-900'
										}
										aria-current={isActive(item.href, active) ? 'page' : undefined}
									>
										{item.label}
									</a>
								))}
							</nav>
							{/* A phone gets one "Menu" button instead of four rows of links; <details> needs no JavaScript. */}
							<details class="relative ml-auto md:hidden" id="compact-menu">
								<summary class="btn-secondary cursor-pointer list-none">
									<span aria-hidden="true">☰</span> Menu
								</summary>
								<nav
									class="absolute right-0 z-20 mt-2 flex w-52 flex-col rounded-lg border border-slate-200 bg-white p-1 text-sm shadow-lg"
									aria-label="Main (compact)"
								>
									{NAV.map((item) => (
										<a
											href={item.href}
											class={
												isActive(item.href, active)
													? 'rounded-md bg-indigo-50 px-3 py-2 font-medium text-indigo-700'
													: 'rounded-md px-3 py-2 text-slate-700 hover:bg-slate-100'
											}
											aria-current={isActive(item.href, active) ? 'page' : undefined}
										>
											{item.label}
										</a>
									))}
									{SIGN_OUT_SLOT as 'safe'}
								</nav>
							</details>
							<div class="ml-auto hidden md:block">{SIGN_OUT_SLOT as 'safe'}</div>
						</div>
					</header>
					<main class="mx-auto max-w-7xl px-6 py-8">{children}</main>
				</body>
			</html>
		</>
	)
}

export function PageHeader({ title, children }: PropsWithChildren<{ title: string }>) {
	return (
		<div class="mb-6 flex flex-wrap items-center justify-between gap-4">
			<h1 class="text-2xl font-semibold tracking-tight" safe>
				{title}
			</h1>
			<div class="flex items-center gap-2">{children}</div>
		</div>
	)
}

export function NotFoundPage({ path }: { path: string }) {
	return (
		<Layout title="Not found" active="">
			<div class="card text-center">
				<h1 class="text-xl font-semibold">Page not found</h1>
				<p class="mt-2 text-sm text-slate-600">
					Nothing lives at <code safe>{path}</code>.
				</p>
				<a href="/" class="btn mt-4">
					Back to the dashboard
				</a>
			</div>
		</Layout>
	)
}
