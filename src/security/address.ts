/**
 * IP addresses in every spelling an outbound URL or a resolver can produce, reduced to one
 * canonical form so that a deny list compares numbers, not strings (issue 17):
 * - IPv4 as the WHATWG URL parser reads it: dotted quads, and 1–4 parts in decimal, octal
 *   (leading 0) or hex (0x) — `2130706433`, `0x7f.1`, `017700000001` are all 127.0.0.1;
 * - IPv6 with `::` compression, an embedded dotted quad, brackets and a zone id (`%eth0`);
 * - IPv6 forms that carry an IPv4 address and reach it: IPv4-mapped `::ffff:a.b.c.d`
 *   (= `::ffff:7f00:2`), IPv4-compatible `::a.b.c.d` and the NAT64 prefix `64:ff9b::/96`.
 */
export type Ip = { family: 4; value: number } | { family: 6; value: bigint }

const MAX32 = 0xffffffff

function ipv4Part(s: string): number | undefined {
	if (s === '') return undefined
	let n: number
	if (/^0[xX][0-9a-fA-F]*$/.test(s)) n = s.length === 2 ? 0 : parseInt(s.slice(2), 16)
	else if (/^0[0-7]+$/.test(s)) n = parseInt(s.slice(1), 8)
	else if (/^(0|[1-9][0-9]*)$/.test(s)) n = Number(s)
	else return undefined
	return Number.isSafeInteger(n) ? n : undefined
}

/** An IPv4 address in any form the URL standard accepts (one trailing dot allowed), or undefined. */
export function parseIPv4(input: string): number | undefined {
	const parts = input.split('.')
	if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop()
	if (parts.length === 0 || parts.length > 4) return undefined
	const nums: number[] = []
	for (const p of parts) {
		const n = ipv4Part(p)
		if (n === undefined) return undefined
		nums.push(n)
	}
	const last = nums.pop()!
	if (nums.some((n) => n > 255)) return undefined
	if (last >= 256 ** (4 - nums.length)) return undefined
	let value = last
	nums.forEach((n, i) => (value += n * 256 ** (3 - i)))
	return value > MAX32 ? undefined : value
}

/** An IPv6 address (brackets and zone id allowed), as a 128-bit number, or undefined. */
export function parseIPv6(input: string): bigint | undefined {
	let s = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input
	const zone = s.indexOf('%')
	if (zone >= 0) s = s.slice(0, zone)
	if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return undefined
	let tail: number[] = []
	const lastColon = s.lastIndexOf(':')
	const quad = s.slice(lastColon + 1)
	if (quad.includes('.')) {
		// A trailing dotted quad fills the last two groups: "::ffff:127.0.0.2".
		if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(quad)) return undefined
		const q = quad.split('.').map(Number)
		if (q.some((n) => n > 255)) return undefined
		tail = [(q[0]! << 8) | q[1]!, (q[2]! << 8) | q[3]!]
		s = s.slice(0, lastColon + 1)
		if (!s.endsWith('::')) s = s.slice(0, -1)
	}
	const halves = s.split('::')
	if (halves.length > 2) return undefined
	const groups = (h: string | undefined) => (h ? h.split(':') : [])
	const head = groups(halves[0])
	const rest = groups(halves[1])
	const parsed: number[] = []
	for (const g of [...head, ...rest]) {
		if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined
		parsed.push(parseInt(g, 16))
	}
	const count = parsed.length + tail.length
	if (halves.length === 1 ? count !== 8 : count > 7) return undefined
	const all = [
		...parsed.slice(0, head.length),
		...new Array<number>(8 - count).fill(0),
		...parsed.slice(head.length),
		...tail,
	]
	return all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n)
}

/** Any IP literal (IPv4 in any URL form, IPv6 with or without brackets); undefined for names. */
export function parseIp(input: string): Ip | undefined {
	const v4 = parseIPv4(input)
	if (v4 !== undefined) return { family: 4, value: v4 }
	const v6 = parseIPv6(input)
	if (v6 !== undefined) return { family: 6, value: v6 }
	return undefined
}

const NAT64 = 0x0064ff9bn << 96n
const LOW32 = 0xffffffffn

/**
 * The IPv4 address an IPv6 address delivers to, when it does: IPv4-mapped (`::ffff:0:0/96`),
 * IPv4-compatible (`::/96` minus `::` and `::1`) and well-known NAT64 (`64:ff9b::/96`).
 */
export function embeddedIPv4(v6: bigint): number | undefined {
	const high = v6 >> 32n
	if (high === 0xffffn || high === NAT64 >> 32n) return Number(v6 & LOW32)
	if (high === 0n && v6 > 1n) return Number(v6 & LOW32)
	return undefined
}

/** Dotted quad / RFC 5952 text, for messages and for connecting. */
export function formatIp(ip: Ip): string {
	if (ip.family === 4) {
		const v = ip.value
		return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.')
	}
	const groups: number[] = []
	for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn))
	// The longest run of two or more zero groups becomes "::".
	let best = -1
	let bestLen = 1
	for (let i = 0; i < 8;) {
		if (groups[i] !== 0) {
			i++
			continue
		}
		let j = i
		while (j < 8 && groups[j] === 0) j++
		if (j - i > bestLen) {
			best = i
			bestLen = j - i
		}
		i = j
	}
	const hex = groups.map((g) => g.toString(16))
	if (best < 0) return hex.join(':')
	return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`
}

/**
 * The addresses a connection to `ip` may actually reach, all of which a deny list must see:
 * the address itself, the IPv4 address inside an IPv6 form, and for the unspecified addresses
 * (`0.0.0.0/8`, `::`, which Linux connects to the local host) the loopback address.
 */
export function reachable(ip: Ip): Ip[] {
	const out: Ip[] = [ip]
	if (ip.family === 6) {
		const v4 = embeddedIPv4(ip.value)
		if (v4 !== undefined) out.push({ family: 4, value: v4 })
		if (ip.value === 0n) out.push({ family: 6, value: 1n }, { family: 4, value: 0x7f000001 })
	}
	const last = out[out.length - 1]!
	if (last.family === 4 && last.value >>> 24 === 0) out.push({ family: 4, value: 0x7f000001 })
	return out
}
