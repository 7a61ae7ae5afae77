import type { MockServer } from '../../src/mock/server'
import { findPreset } from '../../src/presets/presets'
import type { AuthConfig, AuthType, TargetSpec } from '../../src/connectors/types'

/** A preset, unchanged except for its endpoint (the mock) and the credentials. */
export function presetSpec(
	id: string,
	mock: MockServer,
	authConfig: Record<string, unknown>,
	patch: { stream?: boolean; persona?: string } = {},
): TargetSpec {
	const p = findPreset(id)
	if (!p) throw new Error(`no preset ${id}`)
	const base = patch.persona ? `${mock.url}/persona/${patch.persona}` : mock.url
	const endpoint =
		p.connectorType === 'GRPC'
			? mock.grpcAddress!
			: p.connectorType === 'WEBSOCKET'
				? base.replace(/^http/, 'ws')
				: base
	const protocolConfig = structuredClone(p.protocolConfig)
	if (patch.stream !== undefined) protocolConfig.stream = patch.stream
	return {
		connectorType: p.connectorType,
		endpoint,
		authType: p.authType,
		authConfig: { ...p.authConfigDefaults, ...authConfig } as AuthConfig,
		requestTemplate: structuredClone(p.requestTemplate),
		responseTemplate: structuredClone(p.responseTemplate),
		protocolConfig,
	}
}

/** The generic JSON endpoint with a given auth type. */
export function chatSpec(
	mock: MockServer,
	authType: AuthType,
	authConfig: Record<string, unknown>,
	persona?: string,
): TargetSpec {
	return {
		connectorType: 'HTTP_REST',
		endpoint: persona ? `${mock.url}/persona/${persona}` : mock.url,
		authType,
		authConfig: authConfig as AuthConfig,
		requestTemplate: {
			messagePath: 'message',
			structure: { message: '', history: [] },
			historyPath: 'history',
			historyFormat: 'openai',
		},
		responseTemplate: {
			responsePath: 'response',
			tokenUsagePath: 'usage',
			errorPath: 'error.message',
		},
		protocolConfig: { path: '/chat' },
	}
}

/** Polls `cond` every 10 ms for at most `ms`; true when it held. */
export async function eventually(cond: () => boolean, ms = 3000): Promise<boolean> {
	const end = Date.now() + ms
	while (Date.now() < end) {
		if (cond()) return true
		await Bun.sleep(10)
	}
	return cond()
}

export const signal = () => new AbortController().signal
