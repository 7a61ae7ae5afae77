import { parseIp, parseIPv4, parseIPv6, reachable, type Ip } from './address'

/**
 * The outbound deny list: CIDR ranges (a bare address is a /32 or /128) and host names (the
 * name and every name under it). `KRAWALL_URL_DENYLIST` adds entries to the built-in ones;
 * the entry `-builtin` drops the built-in ones (README, "Configuration").
 */

/**
 * Cloud metadata and instance-identity services: never a chatbot, and reaching one from a
 * server leaks its credentials. Link-local 169.254/16 holds the metadata of AWS (EC2, ECS,
 * EKS pod identity), GCP, Azure, Oracle, DigitalOcean and OpenStack; fd00:ec2::/32 is AWS's
 * IPv6 range (IMDS at fd00:ec2::254); 100.100.100.200 Alibaba; 168.63.129.16 Azure WireServer.
 */
export const BUILTIN_DENY_LIST = [
	'169.254.0.0/16',
	'fd00:ec2::/32',
	'100.100.100.200/32',
	'168.63.129.16/32',
	'metadata.google.internal',
	'metadata.goog',
]

/** The entry that drops the built-in list. */
export const NO_BUILTIN = '-builtin'

type Range = { family: 4 | 6; base: bigint; bits: number }

export interface DenyList {
	/** The entry a name matches, when one does (`metadata.google.internal` also covers `x.metadata.google.internal`). */
	deniedName(hostname: string): string | undefined
	/** The entry an address matches, checked with every address it reaches (`reachable`), and which of them matched. */
	deniedAddress(ip: Ip): { entry: string; reached: Ip } | undefined
}

/** Lower case, no trailing dot, no brackets: how names are compared. */
export function canonicalName(host: string): string {
	return host
		.toLowerCase()
		.replace(/^\[|\]$/g, '')
		.replace(/\.+$/, '')
}

function parseRange(entry: string): Range | undefined {
	const slash = entry.lastIndexOf('/')
	const addr = slash >= 0 ? entry.slice(0, slash) : entry
	const bitsText = slash >= 0 ? entry.slice(slash + 1) : undefined
	// CIDRs are written as dotted quads or IPv6; short forms would hide typos ("10/8").
	const v4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(addr) ? parseIPv4(addr) : undefined
	const v6 = v4 === undefined ? parseIPv6(addr) : undefined
	if (v4 === undefined && v6 === undefined) return undefined
	const family = v4 !== undefined ? 4 : 6
	const max = family === 4 ? 32 : 128
	if (bitsText !== undefined && !/^\d{1,3}$/.test(bitsText)) return undefined
	const bits = bitsText === undefined ? max : Number(bitsText)
	if (bits > max) return undefined
	const value = v4 !== undefined ? BigInt(v4) : v6!
	const shift = BigInt(max - bits)
	return { family, base: (value >> shift) << shift, bits }
}

const HOSTNAME =
	/^(?=.{1,253}$)(\*\.)?([a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/

/** Why an entry cannot be used, or undefined when it is a valid host, address or CIDR. */
export function denyEntryProblem(entry: string): string | undefined {
	if (entry === NO_BUILTIN) return undefined
	if (parseRange(entry)) return undefined
	if (entry.includes('/') || entry.includes(':'))
		return `"${entry}" is not a valid address or CIDR range (e.g. 10.0.0.0/8, fd00::/8)`
	if (!HOSTNAME.test(canonicalName(entry)))
		return `"${entry}" is not a host name, an IP address or a CIDR range`
	return undefined
}

/** Built-in entries plus the configured ones (unless `-builtin` is among them). */
export function effectiveDenyList(configured: string[]): string[] {
	const own = configured.filter((e) => e !== NO_BUILTIN)
	return configured.includes(NO_BUILTIN) ? own : [...BUILTIN_DENY_LIST, ...own]
}

/** Compiles entries; invalid ones are ignored here (the configuration refuses them at start). */
export function compileDenyList(entries: string[]): DenyList {
	const ranges: { range: Range; entry: string }[] = []
	const names: { name: string; entry: string }[] = []
	for (const raw of entries) {
		const entry = raw.trim()
		if (!entry || entry === NO_BUILTIN) continue
		const range = parseRange(entry)
		if (range) ranges.push({ range, entry })
		else {
			// A numeric name ("0x7f.1") is an address to the URL parser, so it is one here too.
			const ip = parseIp(canonicalName(entry))
			if (ip)
				ranges.push({
					range: { family: ip.family, base: BigInt(ip.value), bits: ip.family === 4 ? 32 : 128 },
					entry,
				})
			else names.push({ name: canonicalName(entry).replace(/^\*\./, ''), entry })
		}
	}
	const matches = (ip: Ip) => {
		const value = BigInt(ip.value)
		const max = ip.family === 4 ? 32 : 128
		for (const { range, entry } of ranges) {
			if (range.family !== ip.family) continue
			const shift = BigInt(max - range.bits)
			if (value >> shift === range.base >> shift) return entry
		}
		return undefined
	}
	return {
		deniedName(hostname) {
			const host = canonicalName(hostname)
			for (const { name, entry } of names)
				if (host === name || host.endsWith(`.${name}`)) return entry
			return undefined
		},
		deniedAddress(ip) {
			for (const reached of reachable(ip)) {
				const entry = matches(reached)
				if (entry) return { entry, reached }
			}
			return undefined
		},
	}
}
