import type { Envelope } from '../../src/http/model'
import type { ConnectionTestResult } from '../../src/targets/model'
import { formatMs } from '../ui/format'
import { LastTestDetail } from './detail'

/** The outcome of "Test connection", swapped in under the button on the target page. */
function ConnectionTestView({ result }: { result: ConnectionTestResult }) {
	const u = result.tokenUsage
	return (
		<div
			class="space-y-2"
			data-testid="connection-test-result"
			data-healthy={String(result.healthy)}
		>
			<p class="flex flex-wrap items-center gap-3">
				{result.healthy ? (
					<span class="badge bg-green-100 text-green-800">healthy</span>
				) : (
					<span class="badge bg-red-100 text-red-800">failed</span>
				)}
				<span>latency {formatMs(result.latencyMs) as 'safe'}</span>
				{result.ttftMs !== null ? <span>first token {formatMs(result.ttftMs) as 'safe'}</span> : ''}
				{result.httpStatus !== null ? <span>HTTP {String(result.httpStatus) as 'safe'}</span> : ''}
				{u.totalTokens > 0 ? (
					<span>
						tokens {String(u.promptTokens) as 'safe'} in / {String(u.completionTokens) as 'safe'}{' '}
						out
						{u.cachedTokens ? ` (${u.cachedTokens} cached)` : ''}
						{u.estimated ? ' (estimated)' : ''}
					</span>
				) : (
					''
				)}
			</p>
			{result.error ? (
				<p class="text-red-700">
					<span class="font-mono">{result.error.type}</span>:{' '}
					<span safe>{result.error.message}</span>
					{result.error.retryAfterMs !== undefined
						? ` (retry after ${Math.round(result.error.retryAfterMs / 1000)} s)`
						: ''}
				</p>
			) : (
				''
			)}
			{result.response !== null ? (
				<blockquote
					class="whitespace-pre-wrap rounded border-l-4 border-slate-300 bg-slate-50 p-2"
					safe
				>
					{result.response}
				</blockquote>
			) : (
				''
			)}
			{result.rawResponse !== null ? (
				<details>
					<summary class="cursor-pointer text-slate-600">
						Raw response (to pick the response path)
					</summary>
					<pre
						class="mt-1 max-h-80 overflow-auto rounded bg-slate-900 p-2 text-xs text-slate-100"
						safe
					>
						{result.rawResponse}
					</pre>
				</details>
			) : (
				''
			)}
		</div>
	)
}

/** POST /api/targets/:id/test for htmx (and, inside the layout, for a form without JavaScript). */
export const ConnectionTestFragment = (r: Envelope<ConnectionTestResult>) => (
	<>
		<ConnectionTestView result={r.data} />
		<LastTestDetail
			oob
			target={{
				lastTestAt: new Date(r.data.testedAt),
				lastTestSuccess: r.data.healthy,
				lastTestError: r.data.error?.message ?? null,
			}}
		/>
	</>
)
