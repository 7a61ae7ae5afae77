import { describe, expect, test } from 'bun:test'
import { formatIp, parseIp, reachable } from '../../src/security/address'
import {
	BUILTIN_DENY_LIST,
	compileDenyList,
	denyEntryProblem,
	effectiveDenyList,
} from '../../src/security/deny-list'
import {
	createOutboundGuard,
	OutboundRefused,
	outboundUrlProblem,
} from '../../src/security/outbound'

const show = (s: string) => {
	const ip = parseIp(s)
	return ip && formatIp(ip)
}

describe('address forms', () => {
	test('IPv4 in every form the URL parser accepts is one address', () => {
		for (const s of [
			'127.0.0.2',
			'2130706434',
			'0x7f000002',
			'0x7f.0.0.2',
			'0x7f.2',
			'0177.0.0.2',
			'017700000002',
			'127.2',
			'127.0.2',
			'127.0.0.2.',
		])
			expect(show(s), s).toBe('127.0.0.2')
		expect(show('0x')).toBe('0.0.0.0') // as WHATWG URL reads it
		for (const s of ['256.0.0.1', '1.2.3.4.5', '09', '0xg', 'a.b.c.d', '4294967296', ''])
			expect(show(s), s).toBeUndefined()
	})

	test('IPv6: compression, brackets, zone ids, embedded quads; RFC 5952 output', () => {
		expect(show('[::1]')).toBe('::1')
		expect(show('fe80::1%eth0')).toBe('fe80::1')
		expect(show('[fe80::1%25eth0]')).toBe('fe80::1')
		expect(show('FD00:EC2:0:0:0:0:0:254')).toBe('fd00:ec2::254')
		expect(show('1:2:3:4:5:6:1.2.3.4')).toBe('1:2:3:4:5:6:102:304')
		expect(show('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1')
		for (const s of ['1::2::3', '1:::2', '::ffff:1.2.3', '12345::', ':1', '1:2:3:4:5:6:7:8:9'])
			expect(show(s), s).toBeUndefined()
	})

	test('IPv6 forms that deliver to an IPv4 address reach it; unspecified reaches loopback', () => {
		const reach = (s: string) => reachable(parseIp(s)!).map(formatIp)
		expect(reach('::ffff:127.0.0.2')).toEqual(['::ffff:7f00:2', '127.0.0.2'])
		expect(reach('[::ffff:7f00:2]')).toEqual(['::ffff:7f00:2', '127.0.0.2'])
		expect(reach('::127.0.0.2')).toEqual(['::7f00:2', '127.0.0.2'])
		expect(reach('64:ff9b::a9fe:a9fe')).toEqual(['64:ff9b::a9fe:a9fe', '169.254.169.254'])
		expect(reach('0.0.0.0')).toEqual(['0.0.0.0', '127.0.0.1'])
		expect(reach('::')).toEqual(['::', '::1', '127.0.0.1'])
		expect(reach('::1')).toEqual(['::1'])
		expect(reach('2001:db8::1')).toEqual(['2001:db8::1'])
	})
})

describe('deny list', () => {
	test('CIDR ranges, single addresses and names (with their subdomains); typos refused', () => {
		const list = compileDenyList(['10.0.0.0/8', 'fd00::/8', '127.0.0.2', 'internal.example'])
		const hit = (s: string) => list.deniedAddress(parseIp(s)!)?.entry
		expect(hit('10.200.3.4')).toBe('10.0.0.0/8')
		expect(hit('11.0.0.1')).toBeUndefined()
		expect(hit('fdab::1')).toBe('fd00::/8')
		expect(hit('fe00::1')).toBeUndefined()
		expect(hit('::ffff:10.1.1.1')).toBe('10.0.0.0/8')
		expect(hit('::ffff:7f00:2')).toBe('127.0.0.2')
		expect(hit('127.0.0.3')).toBeUndefined()
		expect(list.deniedName('INTERNAL.example.')).toBe('internal.example')
		expect(list.deniedName('api.internal.example')).toBe('internal.example')
		expect(list.deniedName('notinternal.example')).toBeUndefined()
		for (const bad of ['10/8', '10.0.0.0/33', 'fd00::/129', '1.2.3.4/x', 'a b', 'host:80'])
			expect(denyEntryProblem(bad), bad).toBeDefined()
		for (const ok of ['10.0.0.0/8', '::1', 'fd00:ec2::/32', 'example.com', '*.corp', '-builtin'])
			expect(denyEntryProblem(ok), ok).toBeUndefined()
	})

	test('configured entries extend the built-in ones; -builtin drops them', () => {
		expect(effectiveDenyList([])).toEqual(BUILTIN_DENY_LIST)
		expect(effectiveDenyList(['10.0.0.0/8'])).toEqual([...BUILTIN_DENY_LIST, '10.0.0.0/8'])
		expect(effectiveDenyList(['-builtin', '10.0.0.0/8'])).toEqual(['10.0.0.0/8'])
		expect(effectiveDenyList(['-builtin'])).toEqual([])
	})

	test('built-in: cloud metadata in every spelling; loopback stays allowed', () => {
		for (const url of [
			'http://169.254.169.254/latest/meta-data',
			'http://[::ffff:169.254.169.254]/',
			'http://[::ffff:a9fe:a9fe]/',
			'http://2852039166/',
			'http://0xa9fea9fe/',
			'http://0251.0376.0251.0376/',
			'http://169.254.169.254./',
			'http://169.254.170.2/v2/credentials',
			'http://[fd00:ec2::254]/',
			'http://100.100.100.200/',
			'http://metadata.google.internal./computeMetadata/v1/',
			'http://METADATA.GOOG/',
		])
			expect(outboundUrlProblem(url, BUILTIN_DENY_LIST), url).toContain('outbound deny list')
		for (const url of ['http://127.0.0.1:3000', 'http://localhost:4010', 'http://[::1]:80'])
			expect(outboundUrlProblem(url, BUILTIN_DENY_LIST), url).toBeUndefined()
	})

	test('messages say which address a spelling reaches and which entry refused it', () => {
		const list = ['127.0.0.0/8']
		expect(outboundUrlProblem('http://[::ffff:127.0.0.2]:1/', list)).toBe(
			'::ffff:7f00:2 is 127.0.0.2, which is on the outbound deny list (127.0.0.0/8)',
		)
		expect(outboundUrlProblem('http://localhost:1/', list)).toBe(
			'localhost resolves to 127.0.0.1, which is on the outbound deny list (127.0.0.0/8)',
		)
		expect(outboundUrlProblem('http://2130706433/', list)).toBe(
			'127.0.0.1 is on the outbound deny list (127.0.0.0/8)',
		)
	})
})

describe('outbound guard', () => {
	test('every resolved address is checked; one lookup per host within the TTL; failures not kept', async () => {
		let now = 0
		const asked: string[] = []
		const answers: Record<string, { address: string; family: number }[]> = {
			'two-faced.test': [
				{ address: '198.51.100.7', family: 4 },
				{ address: '::ffff:127.0.0.2', family: 6 },
			],
			'fine.test': [
				{ address: '2001:db8::5', family: 6 },
				{ address: '198.51.100.8', family: 4 },
			],
		}
		const guard = createOutboundGuard({
			denyList: ['127.0.0.2/32'],
			ttlMs: 1000,
			now: () => now,
			lookup: async (h) => {
				asked.push(h)
				if (!answers[h]) throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' })
				return answers[h]!
			},
		})
		const refused = await guard.pin('two-faced.test').catch((e) => e)
		expect(refused).toBeInstanceOf(OutboundRefused)
		expect(refused.message).toBe(
			'two-faced.test resolves to 127.0.0.2, which is on the outbound deny list (127.0.0.2/32)',
		)
		const pinned = await guard.pin('FINE.test.')
		expect(pinned).toEqual({
			host: 'fine.test',
			address: '198.51.100.8',
			family: 4,
			addresses: ['198.51.100.8', '2001:db8::5'],
		})
		await Promise.all([
			guard.pin('fine.test'),
			guard.pin('fine.test'),
			guard.pin('two-faced.test').catch(() => {}),
		])
		expect(asked).toEqual(['two-faced.test', 'fine.test'])
		now = 1001
		await guard.pin('fine.test')
		expect(asked).toEqual(['two-faced.test', 'fine.test', 'fine.test'])
		const missing = await guard.pin('missing.test').catch((e) => e)
		expect(missing.code).toBe('ENOTFOUND')
		expect(missing.message).toContain('missing.test')
		await guard.pin('missing.test').catch(() => {})
		expect(asked.filter((h) => h === 'missing.test')).toHaveLength(2)
	})

	test('localhost and *.localhost are loopback whatever DNS says; literals need no lookup', async () => {
		const asked: string[] = []
		const guard = createOutboundGuard({
			denyList: ['127.0.0.0/8'],
			lookup: async (h) => {
				asked.push(h)
				return [{ address: '127.0.0.1', family: 4 }]
			},
		})
		for (const host of ['localhost', 'api.localhost', 'LOCALHOST.', '0.0.0.0', '[::ffff:7f00:1]'])
			expect(await guard.pin(host).catch((e) => e), host).toBeInstanceOf(OutboundRefused)
		expect(asked).toEqual([])
		const open = createOutboundGuard({
			denyList: [],
			lookup: async (h) => {
				asked.push(h)
				return [{ address: '127.0.0.1', family: 4 }]
			},
		})
		expect((await open.pin('chat.localhost')).address).toBe('127.0.0.1')
		expect(asked).toEqual(['localhost'])
		expect((await open.pin('[::1]')).address).toBe('::1')
	})
})
