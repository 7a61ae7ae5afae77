/** The host part of a URL, spelled so a string comparison with "127.0.0.2" misses it. */
export const SPELLINGS: [string, string][] = [
	['dotted quad', '127.0.0.2'],
	['IPv4-mapped IPv6', '[::ffff:127.0.0.2]'],
	['IPv4-mapped IPv6, hex', '[::ffff:7f00:2]'],
	['IPv4-compatible IPv6', '[::127.0.0.2]'],
	['decimal', '2130706434'],
	['hex', '0x7f000002'],
	['hex parts', '0x7f.0.0.2'],
	['octal parts', '0177.0.0.2'],
	['octal', '017700000002'],
	['short form', '127.2'],
	['trailing dot', '127.0.0.2.'],
	['percent-encoded', '127.0.0.%32'],
]
