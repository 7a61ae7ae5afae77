import type { RequestTemplate, ResponseTemplate } from '../connectors/types'

/** `POST /api/templates/validate`: one line per checked field, with paths that do exist. */
export type CheckResult = { field: string; valid: boolean; message: string; suggestion?: string[] }
export type ValidateInput = {
	requestTemplate?: Pick<RequestTemplate, 'messagePath' | 'structure' | 'historyPath'>
	responseTemplate?: Pick<ResponseTemplate, 'responsePath' | 'tokenUsagePath' | 'errorPath'>
	sampleResponse?: unknown
}
export type ValidateResult = { valid: boolean; results: CheckResult[] }
