// The long, mostly fixed sections of BENCHMARKS.md (report.mjs writes the page): where n8n's
// CPU goes (section 5, from a profile of this run) and where the Anon Trigger's cost went
// (section 2c, measured with triggerCost.mjs).

/** A number for the page, with `digits` decimals. */
export const fmt = (n, digits = 0) =>
	n.toLocaleString('en-US', {
		maximumFractionDigits: digits,
		minimumFractionDigits: digits,
	});

export function profileSection(profile, data) {
	const rows = (list) => list.map(({ name, percent }) => `| ${name} | ${percent.toFixed(1)} % |`).join('\n');
	return `## 5. Where the time goes

A CPU profile of n8n's main process (\`node --cpu-prof\`) while ${profile.events} signed events go through
the Anon Trigger (answers: ${JSON.stringify(profile.statuses)}), ${fmt(profile.seconds, 1)} s of samples.

| Self time in | Share |
| --- | ---: |
${rows(profile.categories)}

| Inclusive time of | Share |
| --- | ---: |
${rows(profile.callers)}

What this says, and what was changed because of it:

- **Our code is not where the time goes.** Verification, filtering, zod parsing and the item
  take the share shown for \`webhook()\` (section 1: verification alone is within a few percent
  of a bare HMAC).
- **n8n prepares its expression engine for every request to a community trigger.** Before
  calling a trigger's \`webhook()\`, n8n 2.x acquires an isolated-vm isolate (and releases it
  after). It skips this only for its own Webhook node, and only when that node's parameters
  are static (\`webhookPhaseNeedsIsolate\` in n8n's \`live-webhooks.js\`). No node can opt out of
  it. It is the gap in section 2: with n8n's \`N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true\`, which
  creates the isolate only when an expression is evaluated, the Anon Trigger reaches
  ${data.lazyRatio.toFixed(2)}× the Webhook node (section 2b), and both run several times faster.
  The README recommends that setting to operators who need throughput.
- **Changed in the node: typeVersion 1.1 instead of 1.** For a start node of typeVersion
  exactly 1, n8n also evaluates the legacy expression \`$parameter["options"]["binaryData"]\` on
  every request (\`parseRequestBody\`), another trip into the isolate. The Anon Trigger is
  typeVersion 1.1, so that row stays near zero; for content types n8n does not parse at
  version > 1 the node reads the body stream itself.
- **Changed in the node: no expression in the webhook description**, a static response
  (\`responseData: ''\` with the node's own answer), and the parsed signing key reused per
  credential for at most 10 s (section 2c), so most requests read no credential.
- The rest is n8n's own work per execution: the SQLite writes of the execution and the
  workflow lookups, which the Webhook node pays too.
`;
}

export function triggerCostSection() {
	return `### 2c. Where the Anon Trigger's cost went

Before this change (in the unreleased 0.1.0) the Anon Trigger reached only 0.67–0.79× the Min Trigger's throughput,
although its \`webhook()\` took 1.4 % of n8n's CPU. \`node scripts/bench/triggerCost.mjs\` found
where the rest went: it runs the Min Trigger beside *variants* of it that each add one of the
Anon Trigger's steps (the package's own code from \`dist/\`), timing the step inside n8n
under load, and compares their throughput in interleaved slices. Measured on 2026-11-28,
default n8n 2.41.1, 3 rounds × 400 events per trigger, concurrency 16:

| Step added to the Min Trigger | × Min events/s, median (range) | Step wall time p50 / p99 / mean, ms |
| --- | ---: | ---: |
| \`getCredentials('anonWebhookApi')\` | 0.63 (0.51–0.65) | 278.30 / 1109.07 / 323.02 |
| only a second expression isolate acquired and released | 0.63 (0.49–0.70) | 229.70 / 1155.14 / 295.71 |
| \`getNodeParameter('options')\`, \`('events')\` | 0.98 (0.71–1.06) | 0.04 / 0.21 / 0.08 |
| raw body + JSON classification | 0.94 (0.62–1.21) | 0.01 / 0.08 / 0.02 |
| Svix signature verification | 1.07 (0.65–1.08) | 0.09 / 0.93 / 0.33 |
| zod schema check | 0.99 (0.53–1.17) | 0.08 / 3.00 / 0.43 |
| redelivery guard + \`close\` listener | 0.97 (0.78–1.03) | 0.04 / 0.15 / 0.05 |
| emit the Anon item | 1.09 (0.95–1.11) | 0.01 / 0.06 / 0.02 |
| **all of the Anon Trigger's steps except the credential read** | 0.98 (0.87–1.07) | 0.24 / 4.72 / 0.39 |

(Throughput ratios of the cheap steps move ±0.3 from round to round with the machine's load;
the step times are measured inside n8n and do not.)

- **The cost was \`getCredentials\` on every request.** In a webhook it loads the credential
  row from SQLite (waiting in the pool with the execution writes), decrypts it, and resolves
  its fields as expressions in a context without run data, which builds a \`Workflow\` and
  acquires a **second expression isolate**, almost always a cold one under concurrency (n8n
  keeps one warm), while the isolate n8n acquired for the request is held. That isolate alone
  costs as much throughput as the whole call.
- **The fix:** on the production URL the parsed signing secret is reused per workflow and credential for
  at most **10 s, counted from when the read started**; concurrent requests share one read. A
  secret changed at time *t* is the only one accepted from *t* + 10 s on (unit tests, and e2e
  test *j* against a real n8n). Failed reads and unusable secrets are not kept, the editor's
  test URL reads the credential every time, and forged requests still get 401, never start an
  execution, and now cost no credential read at all.
- **What is left is n8n's**, and sections 2 and 2b measure it in every run:
  - **a credential on the node** costs two more database queries per execution, whether or
    not the node reads it: n8n's \`CredentialsPermissionChecker\` (\`findNonProjectCredentialsByIds\`)
    and its redaction module's \`DynamicCredentialsContextHook\` (\`hasResolvableCredential\`)
    run for every execution of a workflow in which any node has a credential. Counted by
    \`node scripts/bench/triggerCost.mjs --lazy --queries 20 --only min,credref,cred,anon,anon-forged\`
    (n8n's SQL log, 20 events one at a time per trigger): queries per event, Min Trigger 33.1;
    Min + a credential never read 35.3; Min + \`getCredentials\` per request 37.1; Anon Trigger
    35.2; Anon Trigger with bad signatures 10.3 (no execution is written). Per event the Anon
    Trigger adds exactly those two \`credentials_entity\` selects, as the unread credential does,
    and no credential read (the secret is reused). Both checks look only at whether a node has a credential, so n8n's own Webhook
    node pays them too once it authenticates with Header Auth. A verifying trigger needs its
    secret in a credential (encrypted, never exported with the workflow), so it pays them;
  - the expression isolate n8n acquires for every request to any community trigger
    (\`webhookPhaseNeedsIsolate\` in n8n's \`live-webhooks.js\`; only its own Webhook node is
    exempt) is what holds the Min Trigger itself well below the Webhook node in section 2. An
    operator avoids it with **\`N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true\`** (section 2b).
    Raising \`N8N_EXPRESSION_ENGINE_POOL_SIZE\` keeps more warm bridges, but each is still
    disposed after use.
- **With lazy acquire** a request costs n8n only a few milliseconds, and the credential's two
  queries are most of what separates the Anon Trigger from the Min Trigger; the Webhook node
  pays about as much for its own extra work. Measured on 2026-11-29, four triggers
  interleaved, \`node scripts/bench/triggerCost.mjs --lazy --webhook --only min,credref,anon,webhook
  --rounds 6 --events 1200 --slice 200\`:

  | Trigger | events/s, median (rounds) | × Min, median (range) | × Webhook node, median (range) | p50 / p99 ms |
  | --- | ---: | ---: | ---: | ---: |
  | Min Trigger | 165.6 (153.7, 166.3, 165.6, 165.6, 159.3, 184.7) | 1.00 | 1.07 (1.05–1.11) | 93 / 133 |
  | Min + a credential on the node, never read | 151.4 (145.3, 152.0, 150.8, 152.9, 150.2, 161.2) | **0.92** (0.87–0.94) | 0.98 (0.96–1.01) | 102 / 154 |
  | **Anon Trigger** | 146.9 (144.0, 139.7, 146.5, 153.8, 147.4, 161.8) | **0.90** (0.84–0.94) | **0.98** (0.89–1.00) | 104 / 158 |
  | Webhook node | 155.4 (146.0, 156.6, 156.9, 154.2, 148.5, 166.8) | 0.94 (0.90–0.95) | 1.00 | 99 / 147 |

  The Anon Trigger / the credential-only variant: 0.98 (per round 0.92–1.01). So of the
  Anon Trigger's 10 % to the Min Trigger, 8 points are n8n's checks of a credential that is
  never even read, and about 2 are the trigger's own work: its \`webhook()\` steps together
  take 0.10 ms per request at the mean under this load (signature 0.04, zod 0.03, redelivery
  guard 0.02, JSON and parameters 0.01 each; \`--lazy --only min,params,rawbody,verify,schema,guard,item,nocred\`).
  Here the Anon Trigger runs at 0.98× the Webhook node; section 2b measures it again in every
  bench run. No setting of n8n's removes the credential checks.

The variant runs and their options are described at the top of \`scripts/bench/triggerCost.mjs\`.
`;
}
