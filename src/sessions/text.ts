/** Ids are CUID2-like; anything else cannot name a row (and must not reach the database). */
export const isPlausibleId = (id: string) => /^[A-Za-z0-9_-]{1,64}$/.test(id)
