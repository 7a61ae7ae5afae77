declare module '*.wasm' {
	const path: string
	export default path
}
declare module '*.data' {
	const path: string
	export default path
}
declare module '*.css' {
	const path: string
	export default path
}
declare module '*.js' {
	const path: string
	export default path
}
declare module '*.svg' {
	const path: string
	export default path
}
declare module '*.gz' {
	const path: string
	export default path
}
declare module '*.manifest' {
	const path: string
	export default path
}
