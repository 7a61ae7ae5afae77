/** A JSON response, as every provider the mock imitates sends them. */
export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
	new Response(JSON.stringify(body), {
		status,
		headers: { 'content-type': 'application/json', ...headers },
	})

/** `decodeURIComponent` that keeps malformed escapes (`%ZZ`) as they are instead of throwing. */
export const safeDecode = (s: string) => {
	try {
		return decodeURIComponent(s)
	} catch {
		return s
	}
}
