import type { Deps } from '../deps'
import type { Check, Health } from './model'

const round = (ms: number) => Math.round(ms * 100) / 100

async function check(ping: () => Promise<void>, timeoutMs: number): Promise<Check> {
	const start = performance.now()
	let timer: ReturnType<typeof setTimeout> | undefined
	try {
		await Promise.race([
			ping(),
			new Promise((_, reject) => {
				timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
			}),
		])
		return { status: 'healthy', responseTimeMs: round(performance.now() - start), error: null }
	} catch (e) {
		const error = e instanceof Error ? e.message : String(e)
		return { status: 'unhealthy', responseTimeMs: round(performance.now() - start), error }
	} finally {
		clearTimeout(timer)
	}
}

/**
 * The reference's health check: the database decides healthy/unhealthy (503), Redis only
 * degrades; without REDIS_URL, Redis is reported `disabled` and does not count.
 */
export async function getHealth(
	deps: Pick<Deps, 'database' | 'bus' | 'config'>,
	timeoutMs = 2000,
): Promise<Health> {
	const start = performance.now()
	const [database, redis] = await Promise.all([
		check(() => deps.database.ping(), timeoutMs),
		deps.config.redisUrl
			? check(() => deps.bus.ping(), timeoutMs)
			: Promise.resolve({ status: 'disabled' as const }),
	])
	const status =
		database.status === 'unhealthy'
			? 'unhealthy'
			: redis.status === 'unhealthy'
				? 'degraded'
				: 'healthy'
	return {
		status,
		timestamp: new Date().toISOString(),
		services: {
			api: { status: 'healthy', responseTimeMs: round(performance.now() - start) },
			database,
			redis,
		},
	}
}
