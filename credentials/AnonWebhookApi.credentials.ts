import type { Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * The signing secret of one Anon webhook endpoint. It is only ever used to check
 * signatures of incoming requests; the Anon Trigger tests its form (see `testedBy`).
 */
export class AnonWebhookApi implements ICredentialType {
	name = 'anonWebhookApi';

	// A signing secret is not an API: n8n's editor drops a trailing " API" anyway ("Connect to
	// Anon Webhook Signing Secret"), and the credential list now reads the same.
	// eslint-disable-next-line n8n-nodes-base/cred-class-field-display-name-missing-api
	displayName = 'Anon Webhook Signing Secret';

	icon: Icon = { light: 'file:../nodes/Anon/anon.svg', dark: 'file:../nodes/Anon/anon.dark.svg' };

	documentationUrl = 'https://github.com/anon-com/n8n-nodes-anon?tab=readme-ov-file#credentials';

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
	];
}
