/**
 * Sums a `bun --cpu-prof` profile (a .cpuprofile: Chrome's format) per function and per file,
 * self and inclusive, as shares of the samples after the first `skip` seconds (start-up, warm-up).
 * Optionally the callers (three frames up) of one function.
 *
 *   bun bench/cpuprofile.ts FILE [skipSec=3] [top=40] [callersOf]
 *
 * Reading it: the sampler records where the main thread is whenever it is not idle in the event
 * loop, so a frame that sits in a syscall while the thread is preempted (the socket `write` of a
 * request, which wakes the target's process on a loaded 2-core machine) gets samples it did not
 * spend on the CPU. Per-thread CPU (bench/hotpath-threads.ts) is the check.
 */
export {}
type Frame = { functionName: string; url: string; lineNumber: number }
type ProfileNode = { id: number; callFrame: Frame; children?: number[] }
type Profile = { nodes: ProfileNode[]; startTime: number; samples: number[]; timeDeltas: number[] }

const [file, skipArg = '3', topArg = '40', callersOf] = process.argv.slice(2)
if (!file) throw new Error('usage: bun bench/cpuprofile.ts FILE [skipSec] [top] [callersOf]')
const p = (await Bun.file(file).json()) as Profile
const nodes = new Map(p.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

const counts = new Map<number, number>()
let total = 0
for (let i = 0, t = p.startTime; i < p.samples.length; i++) {
	t += p.timeDeltas[i]!
	if (t - p.startTime < Number(skipArg) * 1e6) continue
	counts.set(p.samples[i]!, (counts.get(p.samples[i]!) ?? 0) + 1)
	total++
}

const fileOf = (f: Frame) =>
	f.url.replace(/.*node_modules\//, 'nm/').replace(/.*\/(src|bench)\//, '$1/') || '(native)'
const nameOf = (f: Frame) => `${f.functionName || '(anon)'} ${fileOf(f)}:${f.lineNumber + 1}`
const add = (m: Map<string, number>, k: string, c: number) => m.set(k, (m.get(k) ?? 0) + c)
const self = new Map<string, number>()
const incl = new Map<string, number>()
const fileSelf = new Map<string, number>()
const fileIncl = new Map<string, number>()
const callers = new Map<string, number>()
for (const [id, c] of counts) {
	const f = nodes.get(id)!.callFrame
	add(self, nameOf(f), c)
	add(fileSelf, fileOf(f), c)
	const seen = new Set<string>()
	const seenFiles = new Set<string>()
	const up: string[] = []
	for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
		const g = nodes.get(cur)!.callFrame
		if (cur !== id && up.length < 3) up.push(nameOf(g))
		if (!seen.has(nameOf(g))) seen.add(nameOf(g)) && add(incl, nameOf(g), c)
		if (!seenFiles.has(fileOf(g))) seenFiles.add(fileOf(g)) && add(fileIncl, fileOf(g), c)
	}
	if (callersOf && f.functionName === callersOf) add(callers, up.join(' < '), c)
}

const print = (title: string, m: Map<string, number>, n: number) => {
	console.log(`\n== ${title}`)
	for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n))
		console.log(`${((100 * v) / total).toFixed(1).padStart(5)}% ${k}`)
}
console.log(`${total} samples after ${skipArg} s`)
print('self, by function', self, Number(topArg))
print('inclusive, by function', incl, Number(topArg))
print('self, by file', fileSelf, 25)
print('inclusive, by file', fileIncl, 25)
if (callersOf) print(`callers of ${callersOf}`, callers, 15)
