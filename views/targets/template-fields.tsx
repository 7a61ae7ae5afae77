import type { TargetFormValues } from '../../src/targets/present'
import { Input, JsonArea, Select, str } from './inputs'

/** The request and response template sections of the target form (paths as in connectors/template.ts). */

export function RequestTemplateFields({ req }: { req: TargetFormValues['requestTemplate'] }) {
	return (
		<section class="card grid gap-4 md:grid-cols-2">
			<h2 class="text-sm font-semibold md:col-span-2">Request template</h2>
			<Input
				name="requestTemplate.messagePath"
				label="Message path"
				value={req.messagePath}
				required
				placeholder="messages.0.content"
			/>
			<Input
				name="requestTemplate.historyPath"
				label="History path (multi-turn context)"
				value={req.historyPath}
				placeholder="messages"
			/>
			<div>
				<label class="label" for="f-historyFormat">
					History format
				</label>
				<Select
					name="requestTemplate.historyFormat"
					id="f-historyFormat"
					value={str(req.historyFormat)}
					options={['', 'openai', 'gemini']}
				/>
			</div>
			<div class="md:col-span-2">
				<JsonArea
					name="requestTemplate.structure:json"
					label="Structure (JSON body)"
					value={req.structure ?? {}}
					rows={8}
				/>
			</div>
			<div class="md:col-span-2">
				<JsonArea
					name="requestTemplate.variables:json"
					label="Variables (JSON)"
					value={req.variables ?? {}}
					rows={2}
				/>
			</div>
		</section>
	)
}

export function ResponseTemplateFields({ res }: { res: TargetFormValues['responseTemplate'] }) {
	return (
		<section class="card grid gap-4 md:grid-cols-2">
			<h2 class="text-sm font-semibold md:col-span-2">Response template</h2>
			<Input
				name="responseTemplate.responsePath"
				label="Response path"
				value={res.responsePath}
				required
				placeholder="choices.0.message.content"
			/>
			<Input
				name="responseTemplate.tokenUsagePath"
				label="Token usage path"
				value={res.tokenUsagePath}
				placeholder="usage"
			/>
			<Input
				name="responseTemplate.errorPath"
				label="Error path"
				value={res.errorPath}
				placeholder="error.message"
			/>
			<div>
				<label class="label" for="f-transform">
					Transform
				</label>
				<Select
					name="responseTemplate.transform"
					id="f-transform"
					value={str(res.transform ?? 'none')}
					options={['none', 'markdown', 'html']}
				/>
			</div>
		</section>
	)
}
