/** `GET /api/health` (the reference): the database decides, Redis only degrades. */
export type Check = {
	status: 'healthy' | 'unhealthy'
	responseTimeMs: number
	error: string | null
}
export type Health = {
	status: 'healthy' | 'degraded' | 'unhealthy'
	timestamp: string
	services: {
		api: { status: 'healthy'; responseTimeMs: number }
		database: Check
		redis: Check | { status: 'disabled' }
	}
}
