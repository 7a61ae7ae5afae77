import { Elysia, t } from 'elysia'
import { NotFound } from '../http/errors'
import { findPreset, PRESETS } from './presets'
import { documented } from '../openapi/doc'
import { okOf } from '../openapi/schemas'
import { PresetSchema } from './responses'

/** `GET /api/presets` and `GET /api/presets/:id` (the reference's Presets section). */
export function presetRoutes() {
	return new Elysia()
		.get('/api/presets', () => ({ success: true, data: PRESETS }), {
			...documented({ summary: 'The provider presets', response: okOf(t.Array(PresetSchema)) }),
		})
		.get(
			'/api/presets/:id',
			({ params }) => {
				const preset = findPreset(params.id)
				// The reference's 404 envelope exactly: `{ success: false, error }`.
				if (!preset) throw new NotFound('Preset not found')
				return { success: true, data: preset }
			},
			{
				params: t.Object({ id: t.String({ maxLength: 100 }) }),
				...documented({ summary: 'One provider preset', response: okOf(PresetSchema) }),
			},
		)
}
