export type SseEvent = { id?: string; event?: string; data: string; comment?: boolean }

/** Reads SSE frames from a streaming response until `stop(event)` or the stream ends (bounded). */
export async function readSse(
	res: Response,
	stop: (e: SseEvent) => boolean,
	timeoutMs = 20_000,
): Promise<SseEvent[]> {
	const reader = res.body!.getReader()
	const dec = new TextDecoder()
	const events: SseEvent[] = []
	let buf = ''
	const timer = setTimeout(() => void reader.cancel().catch(() => {}), timeoutMs)
	try {
		for (;;) {
			const { value, done } = await reader.read()
			if (done) break
			buf += dec.decode(value, { stream: true })
			let i
			while ((i = buf.indexOf('\n\n')) >= 0) {
				const block = buf.slice(0, i)
				buf = buf.slice(i + 2)
				const e: SseEvent = { data: '' }
				const data: string[] = []
				for (const line of block.split('\n')) {
					if (line.startsWith(':')) e.comment = true
					else if (line.startsWith('id: ')) e.id = line.slice(4)
					else if (line.startsWith('event: ')) e.event = line.slice(7)
					else if (line.startsWith('data: ')) data.push(line.slice(6))
				}
				e.data = data.join('\n')
				events.push(e)
				if (stop(e)) {
					await reader.cancel().catch(() => {})
					return events
				}
			}
		}
	} finally {
		clearTimeout(timer)
	}
	return events
}
