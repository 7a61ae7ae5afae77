import type { Envelope } from '../../src/http/model'
import type { TargetDetails } from '../../src/targets/model'
import { ActiveBadge } from '../ui/badge'
import { formatDate } from '../ui/format'
import { Layout, PageHeader } from '../ui/layout'
import { Notice } from '../ui/notice'
import { LastTest } from './list'

/** A target's page: details (masked credentials, templates, counts), actions, recent sessions, delete confirmation. */

const json = (v: unknown) => JSON.stringify(v ?? {}, null, 2)

/** A labelled value in the details list. */
function Detail({ label, children }: { label: string; children: JSX.Element | string }) {
	return (
		<div>
			<dt class="label" safe>
				{label}
			</dt>
			<dd class="text-sm text-slate-800">{children}</dd>
		</div>
	)
}

/** The masked auth config: every secret is already masked by the service. */
function MaskedAuth({ config }: { config: Record<string, unknown> }) {
	const entries = Object.entries(config ?? {})
	if (!entries.length) return <span class="text-slate-400">no credentials</span>
	return (
		<dl class="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 font-mono text-xs" data-masked-auth>
			{entries.map(([k, v]) => (
				<>
					<dt class="text-slate-500" safe>
						{k}
					</dt>
					<dd safe>{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
				</>
			))}
		</dl>
	)
}

/** `gpt-4o: in 2.5, out 10, cached 1.25` (USD per million tokens). */
const pricingText = (p: NonNullable<TargetDetails['pricing']>) =>
	`${p.model ?? 'custom'}: in ${p.inputPerMTok}, out ${p.outputPerMTok}` +
	(p.cachedInputPerMTok !== undefined ? `, cached ${p.cachedInputPerMTok}` : '') +
	(p.cacheWriteInputPerMTok !== undefined ? `, cache write ${p.cacheWriteInputPerMTok}` : '')

type LastTestFields = Parameters<typeof LastTest>[0]['target']

/**
 * The "Last connection test" value. `oob`: the copy a "Test connection" reply carries, which
 * htmx swaps in by id so the page shows the new result without a reload.
 */
export function LastTestDetail({ target, oob }: { target: LastTestFields; oob?: boolean }) {
	return (
		<span id="last-connection-test" hx-swap-oob={oob ? 'true' : undefined}>
			<LastTest target={target} />
			{target.lastTestError ? (
				<span class="mt-1 block text-xs text-red-700" safe>
					{target.lastTestError}
				</span>
			) : (
				''
			)}
		</span>
	)
}

export function TargetDetailsPanel({ target }: { target: TargetDetails }) {
	return (
		<div id="target-details" class="grid gap-4 lg:grid-cols-2">
			<section class="card">
				<dl class="grid grid-cols-2 gap-4">
					<Detail label="Type">{<span>{target.connectorType}</span>}</Detail>
					<Detail label="State">{<ActiveBadge active={target.isActive} />}</Detail>
					<div class="col-span-2">
						<Detail label="Endpoint">
							{
								<code class="break-all text-xs" safe>
									{target.endpoint}
								</code>
							}
						</Detail>
					</div>
					<Detail label="Auth type">{<span>{target.authType}</span>}</Detail>
					<Detail label="Credentials">
						{target.authConfigError ? (
							<span class="text-red-700" role="alert" safe>
								{target.authConfigError}
							</span>
						) : (
							<MaskedAuth config={target.authConfig} />
						)}
					</Detail>
					<Detail label="Sessions">
						{<span data-count="sessions">{target.sessionCount}</span>}
					</Detail>
					<Detail label="Scenarios">
						{<span data-count="scenarios">{target.scenarioCount}</span>}
					</Detail>
					<Detail label="Last connection test">{<LastTestDetail target={target} />}</Detail>
					<Detail label="Preset">{<span safe>{target.presetId ?? '—'}</span>}</Detail>
					<Detail label="Pricing (USD per 1M tokens)">
						{target.pricing ? (
							<span safe>{pricingText(target.pricing)}</span>
						) : (
							<span class="text-slate-400">price table by model</span>
						)}
					</Detail>
					<Detail label="Updated">{<span safe>{formatDate(target.updatedAt)}</span>}</Detail>
				</dl>
			</section>
			<section class="card space-y-3">
				<h2 class="label">Request template</h2>
				<pre class="max-h-72 overflow-auto rounded bg-slate-50 p-2 text-xs" safe>
					{json(target.requestTemplate)}
				</pre>
				<h2 class="label">Response template</h2>
				<pre class="max-h-48 overflow-auto rounded bg-slate-50 p-2 text-xs" safe>
					{json(target.responseTemplate)}
				</pre>
				<h2 class="label">Protocol settings</h2>
				<pre class="max-h-48 overflow-auto rounded bg-slate-50 p-2 text-xs" safe>
					{json(target.protocolConfig)}
				</pre>
			</section>
		</div>
	)
}

/** GET /api/targets/:id for htmx. */
export const TargetDetailsFragment = (r: Envelope<TargetDetails>) => (
	<TargetDetailsPanel target={r.data} />
)

type SessionLink = { id: string; status: string; createdAt: Date; completedAt: Date | null }

export function TargetDetailsPage(props: { target: TargetDetails; sessions: SessionLink[] }) {
	const t = props.target
	return (
		<Layout title={t.name} active="/targets">
			<PageHeader title={t.name}>
				<a class="btn-secondary" href={`/targets/${t.id}/edit`}>
					Edit
				</a>
				<form
					method="post"
					action={`/api/targets/${t.id}`}
					hx-post={`/api/targets/${t.id}`}
					hx-target="#action-result"
					hx-swap="innerHTML"
				>
					<input type="hidden" name="isActive:boolean" value={t.isActive ? 'false' : 'true'} />
					<button class="btn-secondary" type="submit">
						{t.isActive ? 'Deactivate' : 'Activate'}
					</button>
				</form>
				<a class="btn-danger" href={`/targets/${t.id}/delete`}>
					Delete
				</a>
			</PageHeader>
			{t.description ? (
				<p class="-mt-4 mb-4 text-sm text-slate-600" safe>
					{t.description}
				</p>
			) : (
				''
			)}
			{t.credentialWarnings?.length ? (
				<div class="mb-4" data-credential-warnings>
					<Notice tone="warning">
						<ul class="list-disc pl-4">
							{t.credentialWarnings.map((w) => (
								<li safe>{w}</li>
							))}
						</ul>
					</Notice>
				</div>
			) : (
				''
			)}
			<div id="action-result" class="mb-4"></div>
			<section class="card mb-4 flex flex-wrap items-center gap-4">
				<form
					method="post"
					action={`/api/targets/${t.id}/test`}
					hx-post={`/api/targets/${t.id}/test`}
					hx-target="#connection-test"
					hx-swap="innerHTML"
				>
					<button class="btn" type="submit">
						Test connection
					</button>
				</form>
				<div id="connection-test" class="text-sm"></div>
			</section>
			<TargetDetailsPanel target={t} />
			<section class="card mt-4">
				<h2 class="label">Recent sessions</h2>
				{props.sessions.length === 0 ? (
					<p class="text-sm text-slate-500">No sessions against this target yet.</p>
				) : (
					<ul class="divide-y divide-slate-100 text-sm">
						{props.sessions.map((s) => (
							<li class="flex gap-4 py-1.5">
								<a
									class="font-mono text-indigo-700 hover:underline"
									href={`/sessions/${s.id}`}
									safe
								>
									{s.id}
								</a>
								<span safe>{s.status}</span>
								<span class="text-slate-500" safe>
									{formatDate(s.createdAt)}
								</span>
							</li>
						))}
					</ul>
				)}
			</section>
		</Layout>
	)
}

export function DeleteTargetPage({ target }: { target: TargetDetails }) {
	// With sessions the API refuses the delete (its message says "archive", the reference's word);
	// the page says it once, with the button's own word, Deactivate, and offers that instead.
	const blocked = target.sessionCount > 0
	return (
		<Layout title={`Delete ${target.name}`} active="/targets">
			<PageHeader title={`Delete ${target.name}?`} />
			<div class="card max-w-xl space-y-4">
				{blocked ? (
					<p class="text-sm text-amber-800" data-delete-blocked safe>
						{`This target has ${target.sessionCount} session(s), so it cannot be deleted. Delete its sessions first, or deactivate it: it leaves the pickers and keeps its history.`}
					</p>
				) : (
					<p class="text-sm text-slate-700">
						This removes the target and its stored credentials. It cannot be undone.
					</p>
				)}
				<div id="delete-result"></div>
				<div class="flex gap-2">
					{blocked ? (
						target.isActive ? (
							<form
								method="post"
								action={`/api/targets/${target.id}`}
								hx-post={`/api/targets/${target.id}`}
								hx-target="#delete-result"
								hx-swap="innerHTML"
							>
								<input type="hidden" name="isActive:boolean" value="false" />
								<button class="btn-secondary" type="submit">
									Deactivate
								</button>
							</form>
						) : (
							''
						)
					) : (
						<form
							method="post"
							action={`/api/targets/${target.id}/delete`}
							hx-post={`/api/targets/${target.id}/delete`}
							hx-target="#delete-result"
							hx-swap="innerHTML"
						>
							<button class="btn-danger" type="submit">
								Delete target
							</button>
						</form>
					)}
					<a class="btn-secondary" href={`/targets/${target.id}`}>
						Cancel
					</a>
				</div>
			</div>
		</Layout>
	)
}
