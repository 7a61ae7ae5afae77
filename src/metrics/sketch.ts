import { DDSketch } from '@datadog/sketches-js'

/**
 * A mergeable quantile sketch (DDSketch, docs/architecture.md §5 "Time series"): every quantile it
 * returns is within `SKETCH_RELATIVE_ERROR` (1 %) of the value at rank ⌊q·(n−1)⌋ of what was added
 * — the lower order statistic, where `percentile_cont` interpolates towards the next one. Memory
 * is one counter per logarithmic bin that holds a value: 1 ms … 10 min is ≈ 660 bins at most.
 *
 * Values ≤ 0 go to the zero bin (response times, TTFT, TPOT and tokens/s are never negative).
 */
export const SKETCH_RELATIVE_ERROR = 0.01

/** γ = (1 + α) ÷ (1 − α): value v goes to bin ⌈log_γ v⌉ (the library's logarithmic mapping). */
export const SKETCH_GAMMA = (1 + SKETCH_RELATIVE_ERROR) / (1 - SKETCH_RELATIVE_ERROR)

const FORMAT = 1
/** format byte, zero count, min, max, sum, bin count, then (key int32, count float64) per bin. */
const HEADER = 1 + 8 * 4 + 4
const BIN = 4 + 8

export class Sketch {
	private s = new DDSketch({ relativeAccuracy: SKETCH_RELATIVE_ERROR })

	get count(): number {
		return this.s.count
	}

	add(value: number | null | undefined) {
		if (value === null || value === undefined || !Number.isFinite(value)) return
		this.s.accept(Math.max(0, value))
	}

	merge(other: Sketch) {
		if (other.count === 0) return
		this.s.merge(other.s)
		this.s.min = Math.min(this.s.min, other.s.min)
		this.s.max = Math.max(this.s.max, other.s.max)
		this.s.sum += other.s.sum
	}

	/** The q-quantile (0–1), clamped to the exact min and max seen; null when empty. */
	quantile(q: number): number | null {
		if (this.s.count === 0) return null
		const v = this.s.getValueAtQuantile(q)
		return Math.min(this.s.max, Math.max(this.s.min, v))
	}

	/**
	 * Compact bytes (≈ 12 bytes a bin; the library's protobuf writes the dense store's zero bins
	 * too, ≈ 1 KB for a 50–70 ms run) and min/max/sum, which its protobuf drops.
	 */
	toBytes(): Uint8Array {
		const st = this.s.store as unknown as { bins: number[]; offset: number }
		const bins: [number, number][] = []
		st.bins.forEach((c, i) => c > 0 && bins.push([i + st.offset, c]))
		const out = new DataView(new ArrayBuffer(HEADER + bins.length * BIN))
		out.setUint8(0, FORMAT)
		const empty = this.s.count === 0
		out.setFloat64(1, this.s.zeroCount, true)
		out.setFloat64(9, empty ? 0 : this.s.min, true)
		out.setFloat64(17, empty ? 0 : this.s.max, true)
		out.setFloat64(25, this.s.sum, true)
		out.setUint32(33, bins.length, true)
		bins.forEach(([k, c], i) => {
			out.setInt32(HEADER + i * BIN, k, true)
			out.setFloat64(HEADER + i * BIN + 4, c, true)
		})
		return new Uint8Array(out.buffer)
	}

	toBase64(): string {
		return Buffer.from(this.toBytes()).toString('base64')
	}

	static fromBytes(bytes: Uint8Array): Sketch {
		const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
		if (bytes.byteLength < HEADER || v.getUint8(0) !== FORMAT) throw new Error('Not a sketch')
		const n = v.getUint32(33, true)
		const bins: [number, number][] = []
		for (let i = 0; i < n; i++)
			bins.push([v.getInt32(HEADER + i * BIN, true), v.getFloat64(HEADER + i * BIN + 4, true)])
		return Sketch.fromBins({
			zeroCount: v.getFloat64(1, true),
			min: v.getFloat64(9, true),
			max: v.getFloat64(17, true),
			sum: v.getFloat64(25, true),
			bins,
		})
	}

	static fromBase64(b64: string): Sketch {
		return Sketch.fromBytes(Buffer.from(b64, 'base64'))
	}

	/** A sketch from bin counts computed elsewhere (SQL, `src/metrics/rollup.ts`: ⌈ln v ÷ ln γ⌉). */
	static fromBins(b: {
		zeroCount: number
		bins: [number, number][]
		min: number
		max: number
		sum: number
	}): Sketch {
		const out = new Sketch()
		const s = out.s
		for (const [k, c] of b.bins) if (c > 0) s.store.add(k, c)
		s.zeroCount = b.zeroCount
		s.count = s.store.count + b.zeroCount
		if (s.count > 0) {
			s.min = b.min
			s.max = b.max
			s.sum = b.sum
		}
		return out
	}
}

/** Merges base64 sketches (null/invalid ones skipped); an empty sketch when none. */
export function mergeSketches(encoded: (string | null | undefined)[]): Sketch {
	const out = new Sketch()
	for (const e of encoded) {
		if (!e) continue
		try {
			out.merge(Sketch.fromBase64(e))
		} catch {
			// A value not written by this module (hand-edited jsonb): it adds nothing, never a 500.
		}
	}
	return out
}

/** p50/p95/p99 of a sketch, rounded to 0.001; nulls when empty. */
export function spreadOf(s: Sketch) {
	const r = (q: number) => {
		const v = s.quantile(q)
		return v === null ? null : Math.round(v * 1000) / 1000
	}
	return { p50: r(0.5), p95: r(0.95), p99: r(0.99), count: s.count }
}
