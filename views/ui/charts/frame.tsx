/**
 * Server-rendered SVG charts: pure functions of data, no client library, no CDN. Each chart
 * has a title, labelled axes with "nice" ticks, gridlines and a legend when it has several
 * series, and scales to its container (viewBox) so it reads well in a screenshot.
 *
 * This file is what every chart shares: the card, the canvas, the axes; line.tsx, bar.tsx and
 * histogram.tsx draw the marks.
 */
import type { PropsWithChildren } from '@kitajs/html'

export type Format = (v: number) => string
export type Point = { x: number; y: number | null }
export type Series = { name: string; points: Point[]; color?: string; dashed?: boolean }

export const COLORS = ['#4f46e5', '#059669', '#d97706', '#e11d48', '#0891b2', '#7c3aed']

type Frame = {
	width: number
	height: number
	left: number
	right: number
	top: number
	bottom: number
}
export const frame = (width: number, height: number): Frame => ({
	width,
	height,
	left: 60,
	right: 16,
	top: 16,
	bottom: 44,
})

export type ChartProps = {
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

export function ChartCard(
	props: PropsWithChildren<{ title: string; id?: string; legend?: Series[] }>,
) {
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

/** A chart's card with a message instead of marks, when there is nothing to draw. */
export function EmptyChart({
	f,
	title,
	id,
	text,
}: {
	f: Frame
	title: string
	id?: string
	text?: string
}) {
	return (
		<ChartCard title={title} id={id}>
			<Empty f={f} text={text ?? 'No data yet'} />
		</ChartCard>
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
					class="axis-y-title"
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

export const fx = (v: number) => Number(v.toFixed(2))

/** The card, the SVG canvas and the axes every chart shares; the chart's marks are the children. */
export function Plot(
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
