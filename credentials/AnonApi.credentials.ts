import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

/** Anon's API, the Base URL unless a proxy or a stand-in is in between. */
export const ANON_API_BASE_URL = 'https://worker.anon.com';

/**
 * An Anon API key, for the Anon node. Distinct from the webhook signing secret: a key acts
 * on the organization's behalf, a signing secret only checks incoming events.
 */
export class AnonApi implements ICredentialType {
	name = 'anonApi';

	displayName = 'Anon API';

	icon: Icon = { light: 'file:../nodes/Anon/anon.svg', dark: 'file:../nodes/Anon/anon.dark.svg' };

	documentationUrl = 'https://github.com/anon-com/n8n-nodes-anon/blob/main/docs/anon-node.md#anon-api-credential';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			placeholder: 'e.g. anon_…',
			description:
				"An API key created by an organization admin in Anon's dashboard (starts with anon_; shown only once)",
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			required: true,
			default: ANON_API_BASE_URL,
			description: "Anon's API. Change it only to go through a proxy or to test against a stand-in.",
		},
	];

	/** The key trimmed: one pasted with a space or a line break around it works as it is. */
	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey.trim()}}',
			},
		},
	};

	/**
	 * Anon documents no "who am I" endpoint, so this asks for a job that cannot exist (the nil
	 * UUID): 404 means the key was accepted. Only the statuses below fail the test; n8n turns
	 * 401/403 into the matching rule's message, and a host that does not answer into its
	 * connection error.
	 */
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '/api/v2/jobs/00000000-0000-0000-0000-000000000000',
			method: 'GET',
			ignoreHttpStatusErrors: { ignore: true, except: [400, 401, 403, 405, 429, 500, 502, 503, 504] },
		},
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message: "Anon rejected the API key (401): it is wrong or has been revoked. Create a new key in Anon's dashboard.",
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message: 'Anon refused the API key (403): it is not allowed to read jobs. Check its organization and permissions.',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 429,
					message: 'Anon is rate limiting requests (429). Wait a minute and test again.',
				},
			},
		],
	};
}
