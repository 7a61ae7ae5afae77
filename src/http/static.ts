import { Elysia } from 'elysia'
// Served from the bundle: `bun build --compile` embeds every file imported this way.
import appCss from '../../public/app.css' with { type: 'file' }
import htmxJs from '../../node_modules/htmx.org/dist/htmx.min.js' with { type: 'file' }
import sseJs from '../../node_modules/htmx-ext-sse/dist/sse.min.js' with { type: 'file' }

const ASSETS: Record<string, { path: string; type: string }> = {
	'app.css': { path: appCss, type: 'text/css; charset=utf-8' },
	'htmx.min.js': { path: htmxJs, type: 'text/javascript; charset=utf-8' },
	'sse.min.js': { path: sseJs, type: 'text/javascript; charset=utf-8' },
}

/** `/public/*`: the dashboard's CSS and scripts, never from a CDN. */
export const staticRoutes = new Elysia({ name: 'krawall.static' }).get(
	'/public/:file',
	({ params, set }) => {
		const asset = ASSETS[params.file]
		if (!asset) {
			set.status = 404
			return 'Not found'
		}
		return new Response(Bun.file(asset.path), {
			headers: { 'content-type': asset.type, 'cache-control': 'public, max-age=3600' },
		})
	},
)
