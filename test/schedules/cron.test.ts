import { describe, expect, test } from 'bun:test'
import { canonicalTimezone, cronProblems, describeCron, nextRuns } from '../../src/schedules/cron'

const iso = (ds: Date[]) => ds.map((d) => d.toISOString())

describe('cron validation', () => {
	test('valid expressions and nicknames pass; zones are canonicalised', () => {
		expect(cronProblems('0 */6 * * *', 'UTC')).toEqual([])
		expect(cronProblems('@daily', 'Europe/Berlin')).toEqual([])
		expect(cronProblems('15 9 * * MON-FRI', 'America/New_York')).toEqual([])
		expect(canonicalTimezone('utc')).toBe('UTC')
		expect(canonicalTimezone('Mars/Olympus')).toBeUndefined()
	})
	test('bad fields, wrong part counts, never-firing dates and unknown zones are reported by path', () => {
		expect(cronProblems('61 * * * *', 'UTC')[0]).toMatchObject({
			path: ['cronExpression'],
			code: 'invalid_string',
		})
		expect(cronProblems('*/5 * * * * *', 'UTC')[0]!.message).toContain('5 parts')
		expect(cronProblems('every day', 'UTC')[0]!.path).toEqual(['cronExpression'])
		expect(cronProblems('0 0 30 2 *', 'UTC')[0]!.message).toBe('The expression never fires')
		const both = cronProblems('nope', 'Mars/Olympus')
		expect(both.map((d) => d.path[0]).sort()).toEqual(['cronExpression', 'timezone'])
	})
	test('human-readable description', () => {
		expect(describeCron('0 */6 * * *')).toBe('On the hour, every 6 hours')
		expect(describeCron('30 2 * * 1')).toBe('At 02:30, only on Monday')
	})
})

describe('next runs in the job time zone, across DST', () => {
	test('America/New_York spring forward: 02:30 does not exist on 8 March 2026, runs at 03:00 EDT instead', () => {
		const runs = nextRuns('30 2 * * *', 'America/New_York', new Date('2026-03-06T12:00:00Z'), 4)
		expect(iso(runs)).toEqual([
			'2026-03-07T07:30:00.000Z', // 02:30 EST (UTC-5)
			'2026-03-08T07:00:00.000Z', // gap: first valid time after it, 03:00 EDT
			'2026-03-09T06:30:00.000Z', // 02:30 EDT (UTC-4)
			'2026-03-10T06:30:00.000Z',
		])
	})
	test('America/New_York fall back: 01:30 happens twice on 1 November 2026, runs once', () => {
		const runs = nextRuns('30 1 * * *', 'America/New_York', new Date('2026-10-31T12:00:00Z'), 3)
		expect(iso(runs)).toEqual([
			'2026-11-01T05:30:00.000Z',
			'2026-11-02T06:30:00.000Z',
			'2026-11-03T06:30:00.000Z',
		])
	})
	test('Europe/Berlin: 09:00 local stays 09:00 local when the offset changes on 29 March 2026', () => {
		const runs = nextRuns('0 9 * * *', 'Europe/Berlin', new Date('2026-03-27T12:00:00Z'), 3)
		expect(iso(runs)).toEqual([
			'2026-03-28T08:00:00.000Z',
			'2026-03-29T07:00:00.000Z',
			'2026-03-30T07:00:00.000Z',
		])
	})
	test('an hourly schedule skips the missing hour instead of firing twice', () => {
		const runs = nextRuns('0 * * * *', 'Europe/Berlin', new Date('2026-03-29T00:30:00Z'), 3)
		// 02:00 CET → 03:00 CEST are the same instant: 01:00Z; then 02:00Z, 03:00Z.
		expect(iso(runs)).toEqual([
			'2026-03-29T01:00:00.000Z',
			'2026-03-29T02:00:00.000Z',
			'2026-03-29T03:00:00.000Z',
		])
	})
})
