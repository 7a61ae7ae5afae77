import { Elysia } from 'elysia'
// Served from the bundle: `bun build --compile` embeds every file imported this way.
import appCss from '../../public/app.css' with { type: 'file' }
import faviconSvg from '../../public/favicon.svg' with { type: 'file' }
import logoSvg from '../../public/logo.svg' with { type: 'file' }
import htmxJs from '../../node_modules/htmx.org/dist/htmx.min.js' with { type: 'file' }
import sseJs from '../../node_modules/htmx-ext-sse/dist/sse.min.js' with { type: 'file' }

const ASSETS: Record<string, { path: string; type: string }> = {
	'app.css': { path: appCss, type: 'text/css; charset=utf-8' },
	'favicon.svg': { path: faviconSvg, type: 'image/svg+xml' },
	'logo.svg': { path: logoSvg, type: 'image/svg+xml' },
	'htmx.min.js': { path: htmxJs, type: 'text/javascript; charset=utf-8' },
	'sse.min.js': { path: sseJs, type: 'text/javascript; charset=utf-8' },
}

const serve = (file: string) => {
	const asset = ASSETS[file]
	if (!asset) return new Response('Not found', { status: 404 })
	return new Response(Bun.file(asset.path), {
		headers: { 'content-type': asset.type, 'cache-control': 'public, max-age=3600' },
	})
}

/**
 * `/public/*`: the dashboard's CSS, scripts and images, never from a CDN; the committed ones
 * (favicon, logo) live in public/ beside the generated CSS. `/favicon.svg` is the icon at the
 * root, where browsers and the layout's `<link rel="icon">` look for it; `/favicon.ico` is the
 * same icon for documents without that link (a served report), which browsers ask for by name.
 */
export const staticRoutes = new Elysia({ name: 'krawall.static' })
	.get('/public/:file', ({ params }) => serve(params.file))
	.get('/favicon.svg', () => serve('favicon.svg'))
	.get('/favicon.ico', () => serve('favicon.svg'))
