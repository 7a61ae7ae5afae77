import { formatNumber } from '../format'
import {
	COLORS,
	EmptyChart,
	Plot,
	frame,
	fx,
	type ChartProps,
	type Point,
	type Series,
} from './frame'
import { integerTicks, niceTicks } from './ticks'

/** A line chart of one or more series over a numeric x axis (nulls break the line). */
export function LineChart(
	props: ChartProps & {
		series: Series[]
		yMin?: number
		markers?: boolean
		/** A discrete x axis (message #, turn, session index): ticks only at whole numbers. */
		integerX?: boolean
		/** Show `empty` even though there are points (e.g. a cost chart of an unpriced run). */
		forceEmpty?: boolean
	},
) {
	const f = frame(props.width ?? 640, props.height ?? 240)
	const all = props.series.flatMap((s) =>
		s.points.filter((p) => p.y !== null && Number.isFinite(p.y)),
	)
	if (!all.length || props.forceEmpty) {
		return <EmptyChart f={f} title={props.title} id={props.id} text={props.empty} />
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
	const xValues =
		xMax === xMin
			? [xMin]
			: props.integerX
				? integerTicks(xMin, xMax, 6)
				: niceTicks(xMin, xMax, 6).filter((v) => v >= xMin && v <= xMax)
	// Never the same label twice (a rounding format would repeat it).
	const xTicks = xValues
		.map((v) => ({ v, label: xFormat(v) }))
		.filter((t, i, all) => all.findIndex((o) => o.label === t.label) === i)
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
