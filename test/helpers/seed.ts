import type { SummaryMetrics } from '../../src/execution/summary-metrics'
import type { ExecutionSnapshot } from '../../src/sessions/snapshot'

/**
 * The snapshot of a session a test inserts straight into the table. Such a session never runs,
 * so nothing reads its snapshot; the API shows it as stored (`{}`).
 */
export const unrunSnapshot = () => ({}) as ExecutionSnapshot

/** The summary of a seeded session: only the figures a test names (nothing reads the rest). */
export const seededSummary = (figures: Partial<SummaryMetrics>) => figures as SummaryMetrics
