/** Axis ticks at 1, 2, 2.5 or 5 × 10^k covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
	if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1]
	if (max === min) max = min === 0 ? 1 : min + Math.abs(min) * 0.5
	const raw = (max - min) / count
	const mag = 10 ** Math.floor(Math.log10(raw))
	const n = raw / mag
	const step = (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10) * mag
	const lo = Math.floor(min / step + 1e-9) * step
	const hi = Math.ceil(max / step - 1e-9) * step
	const out: number[] = []
	for (let v = lo, i = 0; v <= hi + step / 2 && i < 50; v += step, i++)
		out.push(Number(v.toPrecision(12)))
	return out
}

/** Ticks at whole numbers only, for discrete axes: every integer when few, else nice integer steps. */
export function integerTicks(min: number, max: number, count = 5): number[] {
	const lo = Math.ceil(min)
	const hi = Math.floor(max)
	if (hi < lo) return [Math.round(min)]
	if (hi - lo <= count) return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i)
	return niceTicks(lo, hi, count).filter((v) => Number.isInteger(v) && v >= lo && v <= hi)
}
