import type { Envelope } from '../../src/http/model'
import type { ExecutionEstimate } from '../../src/sessions/model'
import { formatInteger, formatUsd } from '../ui/format'

/** POST /api/execute/estimate's answer, shown under the Execute form before anything runs. */
export function ExecuteEstimate(r: Envelope<ExecutionEstimate>) {
	const e = r.data
	const requests =
		e.messages !== null
			? `${formatInteger(e.messages)} requests (${formatInteger(e.conversations)} conversations × ${formatInteger(e.messagesPerConversation)} messages)`
			: e.conversations !== null
				? `${formatInteger(e.conversations)} conversations (messages per conversation depend on the replies)`
				: `runs for ${formatInteger(e.durationSec)} s: the number of conversations depends on the target's speed`
	const cost =
		e.estimatedCostUsd !== null
			? `about ${formatUsd(e.estimatedCostUsd)}`
			: e.costPerMessageUsd !== null
				? `about ${formatUsd(e.costPerMessageUsd)} per message`
				: 'no price known for this target (set its pricing)'
	const basis =
		e.costBasis === 'history'
			? "from this target's recent messages"
			: e.costBasis === 'price'
				? "from the model's price, the messages' length and the reply length the template allows (or 256 tokens)"
				: ''
	return (
		<div id="execute-estimate" class="rounded border border-slate-200 bg-slate-50 p-3 text-sm">
			<p>
				<strong>Estimate:</strong> <span safe>{requests}</span>
			</p>
			<p>
				<strong>Cost:</strong> <span safe>{cost}</span>
				{basis ? <span class="text-slate-500" safe>{` — ${basis}`}</span> : ''}
			</p>
		</div>
	)
}
