import type { AssessmentLimits, Spent } from './model'

/**
 * The assessment's own spending guardrail, shared by every probe (docs/architecture.md §4).
 * A request is admitted only when one more stays within `maxRequests`, the deadline has not
 * passed, and the spend so far plus a reserve for it and for every request still in flight (the
 * most expensive request seen, or the first guess before any reply) stays within `maxCostUsd`.
 * So the served spend never passes the limit, whatever is in flight.
 */
export class Budget {
	readonly spent: Spent = { requests: 0, costUsd: 0, tokens: 0 }
	private inFlight = 0
	/** Request slots held by admitted messages not settled yet (a message may retry a 429). */
	private reserved = 0
	private maxSeenUsd = 0
	private readonly deadline: number

	constructor(
		readonly limits: AssessmentLimits,
		private readonly now: () => number,
		/** The first reserve, before any reply was priced. */
		private readonly guessUsd: number,
	) {
		this.deadline = now() + limits.maxDurationSec * 1000
	}

	/** Milliseconds left before `maxDurationSec`. */
	remainingMs() {
		return Math.max(0, this.deadline - this.now())
	}

	/** Why nothing more may be sent, or null. */
	refusal(): string | null {
		if (this.spent.requests + this.reserved >= this.limits.maxRequests)
			return `Request limit reached (${this.spent.requests} of ${this.limits.maxRequests})`
		if (this.remainingMs() <= 0) return `Duration limit reached (${this.limits.maxDurationSec} s)`
		const reserve = this.reserveUsd() * (this.inFlight + 1)
		if (this.spent.costUsd + reserve > this.limits.maxCostUsd)
			return `Cost limit reached ($${this.spent.costUsd.toFixed(6)} spent, $${this.limits.maxCostUsd} limit)`
		return null
	}

	/**
	 * Admits one message that may take up to `slots` attempts (retries of a 429), holding that
	 * many requests until it settles, or returns why not.
	 */
	admit(slots = 1): string | null {
		const no = this.refusal()
		if (no) return no
		if (this.spent.requests + this.reserved + slots > this.limits.maxRequests)
			return `Request limit reached (${this.spent.requests} of ${this.limits.maxRequests})`
		this.reserved += slots
		this.inFlight++
		return null
	}

	/** A message answered (or failed, or never sent: 0 attempts): its requests, cost and tokens count. */
	settle(costUsd: number, tokens: number, attempts = 1, slots = 1) {
		this.reserved = Math.max(0, this.reserved - slots)
		this.spent.requests += attempts
		this.inFlight = Math.max(0, this.inFlight - 1)
		this.spent.costUsd += costUsd
		this.spent.tokens += tokens
		this.maxSeenUsd = Math.max(this.maxSeenUsd, costUsd)
	}

	/** Twice the most expensive request seen (replies vary), at least the first guess. */
	private reserveUsd() {
		return Math.max(this.guessUsd, 2 * this.maxSeenUsd)
	}
}
