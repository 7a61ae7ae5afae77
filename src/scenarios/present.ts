/**
 * The scenario editor's state (editor.ts changes it, views/scenarios/editor.tsx draws it): the
 * draft as posted, not yet valid, and which view of it is open.
 */
export type Draft = Record<string, unknown>
type EditorMode = 'form' | 'yaml'
export interface EditorState {
	draft: Draft
	mode: EditorMode
	yamlText?: string
	yamlError?: string
}
