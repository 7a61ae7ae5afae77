import type { DocOperation, DocsPage } from '../../src/openapi/present'
import { Layout, PageHeader } from '../ui/layout'

const METHOD_CLASS: Record<string, string> = {
	GET: 'bg-sky-100 text-sky-800',
	POST: 'bg-emerald-100 text-emerald-800',
	PUT: 'bg-amber-100 text-amber-800',
	PATCH: 'bg-amber-100 text-amber-800',
	DELETE: 'bg-rose-100 text-rose-800',
}

function Operation({ op }: { op: DocOperation }) {
	return (
		<section id={op.id} class="card mb-4">
			<h3 class="flex flex-wrap items-center gap-3 font-mono text-sm">
				<span
					class={`rounded px-2 py-0.5 font-semibold ${METHOD_CLASS[op.method] ?? 'bg-slate-100'}`}
					safe
				>
					{op.method}
				</span>
				<span safe>{op.path}</span>
				<span class="font-sans text-slate-600" safe>
					{op.summary}
				</span>
			</h3>
			{op.description ? (
				<p class="mt-2 text-sm text-slate-600" safe>
					{op.description}
				</p>
			) : (
				''
			)}
			{op.parameters.length ? (
				<table class="mt-3 w-full text-left text-sm">
					<thead class="text-xs uppercase text-slate-500">
						<tr>
							<th class="py-1">parameter</th>
							<th>in</th>
							<th>schema</th>
							<th>required</th>
						</tr>
					</thead>
					<tbody>
						{op.parameters.map((p) => (
							<tr class="border-t border-slate-100">
								<td class="py-1 font-mono" safe>
									{p.name}
								</td>
								<td safe>{p.in}</td>
								<td class="font-mono text-xs" safe>
									{p.schema}
								</td>
								<td>{p.required ? 'yes' : 'no'}</td>
							</tr>
						))}
					</tbody>
				</table>
			) : (
				''
			)}
			{op.requestBody ? (
				<details class="mt-3">
					<summary class="cursor-pointer text-sm font-medium">Request body (JSON Schema)</summary>
					<pre class="mt-2 overflow-x-auto rounded bg-slate-50 p-3 text-xs" safe>
						{op.requestBody}
					</pre>
				</details>
			) : (
				''
			)}
			<details class="mt-3">
				<summary class="cursor-pointer text-sm font-medium" safe>
					{`Responses: ${op.responses.map((r) => r.status).join(', ')}`}
				</summary>
				{op.responses.map((r) => (
					<div class="mt-2">
						<p class="text-sm">
							<strong safe>{r.status}</strong> <span safe>{r.description}</span>{' '}
							<code class="text-xs text-slate-500" safe>
								{r.contentType}
							</code>
						</p>
						<pre class="mt-1 overflow-x-auto rounded bg-slate-50 p-3 text-xs" safe>
							{r.schema}
						</pre>
					</div>
				))}
			</details>
		</section>
	)
}

/** `/api/docs`: the OpenAPI document as a readable page, rendered on the server (no CDN, no JS). */
export function ApiReferencePage({ docs }: { docs: DocsPage }) {
	return (
		<Layout title="API reference" active="/api/docs">
			<PageHeader title={`${docs.title} ${docs.version}`}>
				<a class="btn" href="/api/openapi.json">
					openapi.json
				</a>
			</PageHeader>
			<p class="mb-6 max-w-3xl text-sm text-slate-600" safe>
				{docs.description}
			</p>
			<nav class="card mb-6 text-sm" aria-label="Operations">
				{docs.groups.map((g) => (
					<div class="mb-2">
						<h2 class="font-semibold" safe>
							{g.tag}
						</h2>
						<ul class="ml-4 font-mono text-xs">
							{g.operations.map((op) => (
								<li>
									<a class="text-indigo-700 hover:underline" href={`#${op.id}`}>
										<span safe>{op.method}</span> <span safe>{op.path}</span>
									</a>
								</li>
							))}
						</ul>
					</div>
				))}
			</nav>
			{docs.groups.map((g) => (
				<div>
					<h2 class="mb-3 mt-8 text-lg font-semibold" safe>
						{g.tag}
					</h2>
					{g.operations.map((op) => (
						<Operation op={op} />
					))}
				</div>
			))}
			<h2 class="mb-3 mt-8 text-lg font-semibold">Schemas</h2>
			{docs.components.map((c) => (
				<section id={`schema-${c.name}`} class="card mb-4">
					<h3 class="font-mono text-sm font-semibold" safe>
						{c.name}
					</h3>
					<pre class="mt-2 overflow-x-auto rounded bg-slate-50 p-3 text-xs" safe>
						{c.schema}
					</pre>
				</section>
			))}
		</Layout>
	)
}
