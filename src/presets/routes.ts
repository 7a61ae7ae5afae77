import { Elysia, t } from 'elysia'
import { NotFound } from '../http/errors'
import { findPreset, PRESETS } from './presets'

/** `GET /api/presets` and `GET /api/presets/:id` (the reference's Presets section). */
export function presetRoutes() {
	return new Elysia()
		.get('/api/presets', () => ({ success: true, data: PRESETS }))
		.get(
			'/api/presets/:id',
			({ params }) => {
				const preset = findPreset(params.id)
				// The reference's 404 envelope exactly: `{ success: false, error }`.
				if (!preset) throw new NotFound('Preset not found')
				return { success: true, data: preset }
			},
			{ params: t.Object({ id: t.String({ maxLength: 100 }) }) },
		)
}
