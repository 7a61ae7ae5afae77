import type { Health } from '../src/health/service'
import { HealthPanel } from './health'
import { Layout, PageHeader } from './layout'

export type HomeProps = { health: Health; mode: { database: string; queue: string } }

/** The command center. Later issues add stats, live sessions and charts as fragments. */
export function HomePage({ health, mode }: HomeProps) {
	return (
		<Layout title="Dashboard" active="/">
			<PageHeader title="Command center">
				<HealthPanel {...health} />
			</PageHeader>
			<section class="grid gap-4 md:grid-cols-3">
				<div class="card">
					<h2 class="label">What Krawall does</h2>
					<p class="text-sm text-slate-700">
						Sends long, valid, deliberately expensive conversations to chatbot endpoints and measures what they
						cost: latency, time to first token, errors, tokens and dollars — and whether any limit stops them.
					</p>
				</div>
				<div class="card">
					<h2 class="label">Get started</h2>
					<ol class="list-decimal space-y-1 pl-5 text-sm text-slate-700">
						<li>
							<a class="text-indigo-700 underline" href="/targets">
								Add a target
							</a>{' '}
							from a provider preset.
						</li>
						<li>
							<a class="text-indigo-700 underline" href="/scenarios">
								Pick a scenario
							</a>{' '}
							or build one.
						</li>
						<li>
							<a class="text-indigo-700 underline" href="/sessions">
								Run it
							</a>{' '}
							and watch the bill grow live.
						</li>
					</ol>
				</div>
				<div class="card">
					<h2 class="label">Deployment</h2>
					<dl class="grid grid-cols-2 gap-1 text-sm">
						<dt class="text-slate-500">Database</dt>
						<dd safe>{mode.database}</dd>
						<dt class="text-slate-500">Queue</dt>
						<dd safe>{mode.queue}</dd>
					</dl>
				</div>
			</section>
		</Layout>
	)
}
