/**
 * The closed set of errors services throw; one onError maps them to the reference's
 * envelope `{ success: false, error, message?, details? }`.
 */
export type ErrorDetail = {
	code: string
	expected?: string
	received?: string
	path: (string | number)[]
	message: string
}

export class AppError extends Error {
	constructor(
		readonly status: number,
		readonly error: string,
		message?: string,
		readonly details?: ErrorDetail[],
	) {
		super(message ?? error)
		this.name = new.target.name
	}
	/** The envelope's `message`, only when it adds something to `error`. */
	get detailMessage(): string | undefined {
		return this.message !== this.error ? this.message : undefined
	}
}

/** 404: `error` names the missing thing, as in "Target not found". */
export class NotFound extends AppError {
	constructor(error: string, message?: string) {
		super(404, error, message)
	}
}

/** 400 for a state conflict (delete with sessions, cancel of a finished session…). */
export class Conflict extends AppError {
	constructor(error: string, message?: string) {
		super(400, error, message)
	}
}

/** 400 "Validation error" with per-field details, or a plain 400 message. */
export class Invalid extends AppError {
	constructor(details: ErrorDetail[] | string, message?: string) {
		if (typeof details === 'string') super(400, details, message)
		else super(400, 'Validation error', message, details)
	}
}

export class Unavailable extends AppError {
	constructor(error: string, message?: string) {
		super(503, error, message)
	}
}

/** One detail in the reference's shape (`path` as an array). */
export const detail = (
	path: (string | number)[],
	message: string,
	code = 'custom',
): ErrorDetail => ({
	code,
	path,
	message,
})
