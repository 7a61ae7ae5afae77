import { Layout } from '../ui/layout'

export function LoginPage({ next, error }: { next: string; error?: string }) {
	return (
		<Layout title="Sign in" active="">
			<div class="mx-auto max-w-sm">
				<form method="post" action="/login" class="card space-y-4">
					<h1 class="text-lg font-semibold">Sign in to Krawall</h1>
					<p class="text-sm text-slate-600">
						This server requires its API token (KRAWALL_API_TOKEN).
					</p>
					{error ? (
						<p class="rounded-md bg-red-50 p-2 text-sm text-red-800" role="alert" safe>
							{error}
						</p>
					) : (
						''
					)}
					<input type="hidden" name="next" value={next} />
					<label class="block">
						<span class="label">API token</span>
						<input
							class="input"
							type="password"
							name="token"
							autocomplete="current-password"
							required
							autofocus
						/>
					</label>
					<button class="btn w-full justify-center" type="submit">
						Sign in
					</button>
				</form>
			</div>
		</Layout>
	)
}
