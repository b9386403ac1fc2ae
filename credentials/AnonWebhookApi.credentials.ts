import type { Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * The signing secret of one Anon webhook endpoint, and optionally that of a second endpoint
 * used for testing (pointed at the node's Test URL). They are only ever used to check
 * signatures of incoming requests; the Anon Trigger tests their form (see `testedBy`).
 */
export class AnonWebhookApi implements ICredentialType {
	name = 'anonWebhookApi';

	// n8n's rules (and its verification scanner, which ignores lint-disable comments) require a
	// trailing " API"; the editor drops it: "Connect to Anon Webhook", "Anon Webhook account".
	displayName = 'Anon Webhook API';

	icon: Icon = { light: 'file:../nodes/Anon/anon.svg', dark: 'file:../nodes/Anon/anon.dark.svg' };

	documentationUrl = 'https://github.com/anon-com/n8n-nodes-anon?tab=readme-ov-file#anon-trigger';

	properties: INodeProperties[] = [
		{
			displayName: 'Signing Secret',
			name: 'signingSecret',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			placeholder: 'e.g. whsec_…',
			description:
				"The endpoint's signing secret from dashboard.anon.com/webhooks → your endpoint → Signing Secret (starts with whsec_). A whpk_ public key also works, for endpoints that sign with Ed25519 (v1a).",
		},
		{
			displayName: 'Testing Endpoint Signing Secret',
			name: 'testSigningSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			placeholder: 'e.g. whsec_… (optional)',
			description:
				"Optional: the signing secret of a second endpoint in Anon's dashboard whose URL is this node's Test URL, for testing while your production endpoint stays on the Production URL. Accepted on the Test URL only; the Production URL never accepts it.",
		},
	];
}
