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
		if (this.spent.requests >= this.limits.maxRequests)
			return `Request limit reached (${this.spent.requests} of ${this.limits.maxRequests})`
		if (this.remainingMs() <= 0) return `Duration limit reached (${this.limits.maxDurationSec} s)`
		const reserve = this.reserveUsd() * (this.inFlight + 1)
		if (this.spent.costUsd + reserve > this.limits.maxCostUsd)
			return `Cost limit reached ($${this.spent.costUsd.toFixed(6)} spent, $${this.limits.maxCostUsd} limit)`
		return null
	}

	/** Admits one request (counted at once), or returns why not. */
	admit(): string | null {
		const no = this.refusal()
		if (no) return no
		this.spent.requests++
		this.inFlight++
		return null
	}

	/** A request answered (or failed): its cost and tokens count. */
	settle(costUsd: number, tokens: number) {
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
