import type { FindingChart } from '../../src/assessments/model'

const W = 560
const H = 220
const M = { l: 56, r: 16, t: 28, b: 40 }

const nice = (v: number) =>
	Math.abs(v) >= 1000
		? v.toFixed(0)
		: Math.abs(v) >= 1
			? String(Number(v.toFixed(2)))
			: v.toPrecision(2)

/**
 * A finding's chart as inline SVG (no script, no external reference): the probe's points, green
 * when accepted and red when refused or cut, and a dashed marker where the control showed.
 */
export function FindingChartSvg({ chart }: { chart: FindingChart }) {
	const pts = chart.points
	if (!pts.length) return <p class="text-sm text-slate-500">No data points.</p>
	const xs = pts.map((p) => p.x)
	const ys = pts.map((p) => p.y)
	if (chart.marker?.x !== undefined) xs.push(chart.marker.x)
	if (chart.marker?.y !== undefined) ys.push(chart.marker.y)
	const x0 = Math.min(0, ...xs)
	const x1 = Math.max(...xs) || 1
	const y1 = Math.max(...ys) * 1.1 || 1
	const sx = (x: number) => M.l + ((x - x0) / (x1 - x0 || 1)) * (W - M.l - M.r)
	const sy = (y: number) => H - M.b - (y / y1) * (H - M.t - M.b)
	const path = pts
		.map((p, i) => `${i ? 'L' : 'M'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`)
		.join(' ')
	const ticks = [0, 0.5, 1].map((f) => y1 * f)
	const m = chart.marker
	return (
		<figure class="chart">
			<svg
				viewBox={`0 0 ${W} ${H}`}
				width="100%"
				role="img"
				aria-label={chart.title}
				class="max-w-full"
			>
				<rect
					x={M.l}
					y={M.t}
					width={W - M.l - M.r}
					height={H - M.t - M.b}
					fill="#f8fafc"
					stroke="#e2e8f0"
				/>
				{ticks.map((v) => (
					<>
						<line x1={M.l} x2={W - M.r} y1={sy(v)} y2={sy(v)} stroke="#e2e8f0" />
						<text x={M.l - 6} y={sy(v) + 4} text-anchor="end" font-size="10" fill="#64748b" safe>
							{nice(v)}
						</text>
					</>
				))}
				<text x={M.l} y={H - 8} font-size="10" fill="#64748b" safe>
					{nice(x0)}
				</text>
				<text x={W - M.r} y={H - 8} font-size="10" fill="#64748b" text-anchor="end" safe>
					{nice(x1)}
				</text>
				<text x={(W + M.l) / 2} y={H - 8} font-size="11" fill="#334155" text-anchor="middle" safe>
					{chart.xLabel}
				</text>
				<text x={M.l} y={14} font-size="11" fill="#334155" safe>
					{chart.yLabel}
				</text>
				<path d={path} fill="none" stroke="#6366f1" stroke-width="1.5" />
				{pts.map((p) => (
					<circle cx={sx(p.x)} cy={sy(p.y)} r="4" fill={p.ok ? '#059669' : '#e11d48'}>
						<title safe>{`${p.label ?? ''} (${nice(p.x)}, ${nice(p.y)})`}</title>
					</circle>
				))}
				{m?.x !== undefined ? (
					<line
						x1={sx(m.x)}
						x2={sx(m.x)}
						y1={M.t}
						y2={H - M.b}
						stroke="#d97706"
						stroke-dasharray="5 3"
						stroke-width="2"
					/>
				) : (
					''
				)}
				{m?.y !== undefined ? (
					<line
						x1={M.l}
						x2={W - M.r}
						y1={sy(m.y)}
						y2={sy(m.y)}
						stroke="#d97706"
						stroke-dasharray="5 3"
						stroke-width="2"
					/>
				) : (
					''
				)}
				{m ? (
					<text
						text-anchor={m.x !== undefined && sx(m.x) > W / 2 ? 'end' : 'start'}
						x={m.x !== undefined ? sx(m.x) + (sx(m.x) > W / 2 ? -4 : 4) : M.l + 4}
						y={m.y !== undefined ? sy(m.y) - 4 : M.t + 12}
						font-size="11"
						fill="#b45309"
						safe
					>
						{m.label}
					</text>
				) : (
					''
				)}
			</svg>
			<figcaption class="text-xs text-slate-500" safe>
				{chart.title}
			</figcaption>
		</figure>
	)
}
