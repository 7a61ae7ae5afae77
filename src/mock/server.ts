/** Placeholder until the mock chatbot lands (issue: connectors and mock). */
export async function startMockServer(opts: { port: number; host: string }) {
	const server = Bun.serve({
		hostname: opts.host,
		port: opts.port,
		fetch: () => Response.json({ error: { message: 'mock chatbot not implemented yet' } }, { status: 501 }),
	})
	return { url: `http://${opts.host}:${server.port}`, stop: async () => server.stop(true) }
}
