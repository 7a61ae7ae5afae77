/**
 * Server-rendered SVG charts: pure functions of data, no client library, no CDN. Each chart
 * has a title, labelled axes with "nice" ticks, gridlines and a legend when it has several
 * series, and scales to its container (viewBox) so it reads well in a screenshot.
 */
import type { PropsWithChildren } from '@kitajs/html'

export type Format = (v: number) => string
export type Point = { x: number; y: number | null }
export type Series = { name: string; points: Point[]; color?: string; dashed?: boolean }
export type Bar = { label: string; value: number; hint?: string }
export type Bin = { from: number; to: number; count: number }

export const COLORS = ['#4f46e5', '#059669', '#d97706', '#e11d48', '#0891b2', '#7c3aed']

const trim = (s: string) => (s.includes('.') ? s.replace(/\.?0+$/, '') : s)
export const formatNumber: Format = (v) => {
	const a = Math.abs(v)
	if (a >= 1e9) return `${trim((v / 1e9).toFixed(1))}B`
	if (a >= 1e6) return `${trim((v / 1e6).toFixed(1))}M`
	if (a >= 1e4) return `${trim((v / 1e3).toFixed(1))}k`
	if (a >= 100 || a === 0) return String(Math.round(v))
	return trim(v.toFixed(a >= 10 ? 1 : 2))
}
export const formatMs: Format = (v) =>
	Math.abs(v) >= 1000
		? `${trim((v / 1000).toFixed(2))} s`
		: `${trim(v.toFixed(Math.abs(v) >= 100 ? 0 : 1))} ms`
export const formatUsd: Format = (v) => {
	const a = Math.abs(v)
	if (a === 0) return '$0'
	if (a >= 100) return `$${v.toFixed(0)}`
	if (a >= 1) return `$${v.toFixed(2)}`
	if (a >= 0.01) return `$${trim(v.toFixed(4))}`
	return `$${trim(v.toPrecision(2))}`
}

/** Ticks at 1, 2, 2.5 or 5 × 10^k covering [min, max]. */
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

type Frame = {
	width: number
	height: number
	left: number
	right: number
	top: number
	bottom: number
}
const frame = (width: number, height: number): Frame => ({
	width,
	height,
	left: 60,
	right: 16,
	top: 16,
	bottom: 44,
})

type ChartProps = {
	title: string
	id?: string
	width?: number
	height?: number
	xLabel?: string
	yLabel?: string
	xFormat?: Format
	yFormat?: Format
	empty?: string
}

function ChartCard(props: PropsWithChildren<{ title: string; id?: string; legend?: Series[] }>) {
	return (
		<figure class="card chart" id={props.id} data-chart={props.title}>
			<figcaption class="mb-2 flex flex-wrap items-center justify-between gap-2">
				<span class="text-sm font-semibold text-slate-700" safe>
					{props.title}
				</span>
				{props.legend && props.legend.length > 1 ? (
					<span class="flex flex-wrap gap-3 text-xs text-slate-600">
						{props.legend.map((s, i) => (
							<span class="inline-flex items-center gap-1">
								<span
									class="inline-block h-2 w-4 rounded-sm"
									style={`background:${s.color ?? COLORS[i % COLORS.length]}`}
								></span>
								<span safe>{s.name}</span>
							</span>
						))}
					</span>
				) : (
					''
				)}
			</figcaption>
			{props.children}
		</figure>
	)
}

function Empty({ f, text }: { f: Frame; text: string }) {
	return (
		<svg viewBox={`0 0 ${f.width} ${f.height}`} class="h-auto w-full" role="img" aria-label={text}>
			<rect x="0" y="0" width={f.width} height={f.height} fill="#f8fafc" rx="6" />
			<text
				x={f.width / 2}
				y={f.height / 2}
				text-anchor="middle"
				font-size="13"
				fill="#64748b"
				safe
			>
				{text}
			</text>
		</svg>
	)
}

/** Axes, gridlines and tick labels; returns the scales for the plot. */
function Axes(p: {
	f: Frame
	xTicks: { v: number; label: string }[]
	yTicks: number[]
	yFormat: Format
	xLabel?: string
	yLabel?: string
	sx: (v: number) => number
	sy: (v: number) => number
}) {
	const { f } = p
	const bottom = f.height - f.bottom
	return (
		<g font-size="11" fill="#475569">
			{p.yTicks.map((t) => (
				<g>
					<line x1={f.left} x2={f.width - f.right} y1={p.sy(t)} y2={p.sy(t)} stroke="#e2e8f0" />
					<text x={f.left - 6} y={p.sy(t) + 4} text-anchor="end" safe>
						{p.yFormat(t)}
					</text>
				</g>
			))}
			<line x1={f.left} x2={f.width - f.right} y1={bottom} y2={bottom} stroke="#94a3b8" />
			<line x1={f.left} x2={f.left} y1={f.top} y2={bottom} stroke="#94a3b8" />
			{p.xTicks.map((t) => (
				<g>
					<line x1={p.sx(t.v)} x2={p.sx(t.v)} y1={bottom} y2={bottom + 4} stroke="#94a3b8" />
					<text x={p.sx(t.v)} y={bottom + 16} text-anchor="middle" safe>
						{t.label}
					</text>
				</g>
			))}
			{p.xLabel ? (
				<text
					x={(f.left + f.width - f.right) / 2}
					y={f.height - 6}
					text-anchor="middle"
					fill="#334155"
					safe
				>
					{p.xLabel}
				</text>
			) : (
				''
			)}
			{p.yLabel ? (
				<text
					x={12}
					y={(f.top + bottom) / 2}
					text-anchor="middle"
					fill="#334155"
					transform={`rotate(-90 12 ${(f.top + bottom) / 2})`}
					safe
				>
					{p.yLabel}
				</text>
			) : (
				''
			)}
		</g>
	)
}

const fx = (v: number) => Number(v.toFixed(2))

/** The card, the SVG canvas and the axes every chart shares; the chart's marks are the children. */
function Plot(
	props: PropsWithChildren<
		Parameters<typeof Axes>[0] & { title: string; id?: string; legend?: Series[] }
	>,
) {
	const { title, id, legend, children, ...axes } = props
	return (
		<ChartCard title={title} id={id} legend={legend}>
			<svg
				viewBox={`0 0 ${axes.f.width} ${axes.f.height}`}
				class="h-auto w-full"
				role="img"
				aria-label={title}
			>
				<Axes {...axes} />
				{children}
			</svg>
		</ChartCard>
	)
}

/** A line chart of one or more series over a numeric x axis (nulls break the line). */
export function LineChart(
	props: ChartProps & { series: Series[]; yMin?: number; markers?: boolean },
) {
	const f = frame(props.width ?? 640, props.height ?? 240)
	const all = props.series.flatMap((s) =>
		s.points.filter((p) => p.y !== null && Number.isFinite(p.y)),
	)
	if (!all.length) {
		return (
			<ChartCard title={props.title} id={props.id}>
				<Empty f={f} text={props.empty ?? 'No data yet'} />
			</ChartCard>
		)
	}
	const xs = props.series.flatMap((s) => s.points.map((p) => p.x))
	const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)]
	const ys = all.map((p) => p.y as number)
	const yTicks = niceTicks(Math.min(props.yMin ?? 0, ...ys), Math.max(...ys))
	const [y0, y1] = [yTicks[0], yTicks[yTicks.length - 1]]
	const sx = (v: number) =>
		fx(
			xMax === xMin
				? (f.left + f.width - f.right) / 2
				: f.left + ((v - xMin) / (xMax - xMin)) * (f.width - f.left - f.right),
		)
	const sy = (v: number) =>
		fx(f.height - f.bottom - ((v - y0) / (y1 - y0)) * (f.height - f.top - f.bottom))
	const xFormat = props.xFormat ?? formatNumber
	const xTicks = (
		xMax === xMin ? [xMin] : niceTicks(xMin, xMax, 6).filter((v) => v >= xMin && v <= xMax)
	).map((v) => ({ v, label: xFormat(v) }))
	const path = (pts: Point[]) => {
		let d = ''
		let pen = false
		for (const p of pts) {
			if (p.y === null || !Number.isFinite(p.y)) {
				pen = false
				continue
			}
			d += `${pen ? 'L' : 'M'}${sx(p.x)} ${sy(p.y)} `
			pen = true
		}
		return d.trim()
	}
	const markers = props.markers ?? all.length <= 60
	return (
		<Plot
			title={props.title}
			id={props.id}
			legend={props.series}
			f={f}
			xTicks={xTicks}
			yTicks={yTicks}
			yFormat={props.yFormat ?? formatNumber}
			xLabel={props.xLabel}
			yLabel={props.yLabel}
			sx={sx}
			sy={sy}
		>
			{props.series.map((s, i) => {
				const color = s.color ?? COLORS[i % COLORS.length]
				return (
					<g>
						<path
							d={path(s.points)}
							fill="none"
							stroke={color}
							stroke-width="2"
							stroke-linejoin="round"
							stroke-dasharray={s.dashed ? '5 4' : undefined}
						/>
						{markers
							? s.points
									.filter((p) => p.y !== null)
									.map((p) => (
										<circle cx={sx(p.x)} cy={sy(p.y as number)} r="2.5" fill={color}>
											<title
												safe
											>{`${s.name}: ${(props.yFormat ?? formatNumber)(p.y as number)} at ${xFormat(p.x)}`}</title>
										</circle>
									))
							: ''}
					</g>
				)
			})}
		</Plot>
	)
}

/** Vertical bars with a label each (e.g. cost per day); long label lists show every n-th. */
export function BarChart(props: ChartProps & { bars: Bar[]; color?: string }) {
	const f = frame(props.width ?? 640, props.height ?? 240)
	if (!props.bars.length) {
		return (
			<ChartCard title={props.title} id={props.id}>
				<Empty f={f} text={props.empty ?? 'No data yet'} />
			</ChartCard>
		)
	}
	const yFormat = props.yFormat ?? formatNumber
	const yTicks = niceTicks(0, Math.max(0, ...props.bars.map((b) => b.value)))
	const y1 = yTicks[yTicks.length - 1]
	const plotW = f.width - f.left - f.right
	const slot = plotW / props.bars.length
	const sy = (v: number) => fx(f.height - f.bottom - (v / y1) * (f.height - f.top - f.bottom))
	const every = Math.max(1, Math.ceil(props.bars.length / 10))
	const xTicks = props.bars
		.map((b, i) => ({ v: i, label: b.label }))
		.filter((t) => t.v % every === 0)
	const sx = (i: number) => fx(f.left + slot * (i + 0.5))
	return (
		<Plot
			title={props.title}
			id={props.id}
			f={f}
			xTicks={xTicks}
			yTicks={yTicks}
			yFormat={yFormat}
			xLabel={props.xLabel}
			yLabel={props.yLabel}
			sx={sx}
			sy={sy}
		>
			{props.bars.map((b, i) => (
				<rect
					x={fx(f.left + slot * i + slot * 0.15)}
					y={sy(b.value)}
					width={fx(slot * 0.7)}
					height={fx(Math.max(0, f.height - f.bottom - sy(b.value)))}
					fill={props.color ?? COLORS[0]}
					rx="2"
				>
					<title safe>{`${b.label}: ${yFormat(b.value)}${b.hint ? ` (${b.hint})` : ''}`}</title>
				</rect>
			))}
		</Plot>
	)
}

/** A histogram of counts per bin (latency distribution), bins in ascending order. */
export function Histogram(props: ChartProps & { bins: Bin[]; color?: string }) {
	const f = frame(props.width ?? 640, props.height ?? 240)
	const bins = props.bins.filter((b) => Number.isFinite(b.from) && Number.isFinite(b.to))
	if (!bins.length) {
		return (
			<ChartCard title={props.title} id={props.id}>
				<Empty f={f} text={props.empty ?? 'No data yet'} />
			</ChartCard>
		)
	}
	const xFormat = props.xFormat ?? formatNumber
	const lo = bins[0].from
	const hi = Math.max(bins[bins.length - 1].to, lo + 1e-9)
	const yTicks = niceTicks(0, Math.max(1, ...bins.map((b) => b.count)))
	const y1 = yTicks[yTicks.length - 1]
	const plotW = f.width - f.left - f.right
	const sx = (v: number) => fx(f.left + ((v - lo) / (hi - lo)) * plotW)
	const sy = (v: number) => fx(f.height - f.bottom - (v / y1) * (f.height - f.top - f.bottom))
	const xTicks = niceTicks(lo, hi, 6)
		.filter((v) => v >= lo && v <= hi)
		.map((v) => ({ v, label: xFormat(v) }))
	return (
		<Plot
			title={props.title}
			id={props.id}
			f={f}
			xTicks={xTicks}
			yTicks={yTicks}
			yFormat={formatNumber}
			xLabel={props.xLabel}
			yLabel={props.yLabel ?? 'messages'}
			sx={sx}
			sy={sy}
		>
			{bins.map((b) => (
				<rect
					x={sx(b.from) + 0.5}
					y={sy(b.count)}
					width={fx(Math.max(1, sx(b.to) - sx(b.from) - 1))}
					height={fx(Math.max(0, f.height - f.bottom - sy(b.count)))}
					fill={props.color ?? COLORS[1]}
				>
					<title safe>{`${xFormat(b.from)} – ${xFormat(b.to)}: ${b.count}`}</title>
				</rect>
			))}
		</Plot>
	)
}
