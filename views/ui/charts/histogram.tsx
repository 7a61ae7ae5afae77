import { formatNumber } from '../format'
import { COLORS, EmptyChart, Plot, frame, fx, type ChartProps } from './frame'
import { niceTicks } from './ticks'

type Bin = { from: number; to: number; count: number }

/** A histogram of counts per bin (latency distribution), bins in ascending order. */
export function Histogram(props: ChartProps & { bins: Bin[]; color?: string }) {
	const f = frame(props.width ?? 640, props.height ?? 240)
	const bins = props.bins.filter((b) => Number.isFinite(b.from) && Number.isFinite(b.to))
	if (!bins.length) {
		return <EmptyChart f={f} title={props.title} id={props.id} text={props.empty} />
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
