import { Elysia } from 'elysia'
import { BatchPage } from '../../views/batches/page'
import type { Deps } from '../deps'
import { BatchIdParams } from './model'
import { getBatch } from './service'

/** `/batches/:id`: the comparison of the batch's sessions (views/batches/page.tsx). */
export const batchPages = (deps: Deps) =>
	new Elysia().get(
		'/batches/:id',
		async ({ params }) => <BatchPage b={await getBatch(deps, params.id)} />,
		{
			params: BatchIdParams,
		},
	)
