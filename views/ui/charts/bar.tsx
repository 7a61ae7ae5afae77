import { formatNumber } from '../format'
import { COLORS, EmptyChart, Plot, frame, fx, type ChartProps } from './frame'
import { niceTicks } from './ticks'

type Bar = { label: string; value: number; hint?: string }

/** Vertical bars with a label each (e.g. cost per day); long label lists show every n-th. */
export function BarChart(props: ChartProps & { bars: Bar[]; color?: string }) {
	const f = frame(props.width ?? 640, props.height ?? 240)
	if (!props.bars.length) {
		return <EmptyChart f={f} title={props.title} id={props.id} text={props.empty} />
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
