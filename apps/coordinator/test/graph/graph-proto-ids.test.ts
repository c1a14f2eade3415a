import { canonicalQuestDesc, normalizeQuestDesc, questId } from '@drover/state';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// graph.proto tells a client in any language how to compute a quest id; its worked example must
// stay what the coordinator computes.

const PROTO = readFileSync(
  new URL('../../../../proto/drover/v1/graph.proto', import.meta.url),
  'utf8',
);

const EXAMPLE_FORM =
  '{"distributor_config_name":"shell","distributor_parameters":{},"meta":{"as_account":"",' +
  '"retry":{"crashed":0,"expired":0,"failed":0,"timed_out":0},' +
  '"timeouts":{"run":3600,"start":21600,"stop":30}},"parameters":{"a":1}}';
const EXAMPLE_ID = 'Ua5lcxaepibEJAE74RQ8fFKOfY6Fi2Gijk60r3YVQhY';

describe('the quest id as graph.proto documents it', () => {
  it('gives the example desc the canonical form and the id the proto shows', () => {
    const desc = normalizeQuestDesc({
      distributorConfigName: 'shell',
      parameters: '{ "a": 1 }',
      distributorParameters: '',
    });
    if (!('ok' in desc)) throw new Error(desc.message);
    expect(canonicalQuestDesc(desc.ok)).toBe(EXAMPLE_FORM);
    expect(questId(desc.ok)).toBe(EXAMPLE_ID);
    // The recipe, done by hand: SHA-256 of the UTF-8 text, base64url without padding.
    expect(createHash('sha256').update(EXAMPLE_FORM, 'utf8').digest('base64url')).toBe(EXAMPLE_ID);
    const comments = PROTO.split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('//'))
      .map((l) => l.replace(/^\/\/ ?/, ''))
      .join('');
    expect(comments.replaceAll(' ', '')).toContain(EXAMPLE_FORM.replaceAll(' ', ''));
    expect(PROTO).toContain(EXAMPLE_ID);
  });

  it('fills the defaults, sorts keys by code point and keeps numbers as written', () => {
    const desc = normalizeQuestDesc({
      distributorConfigName: 'a/"é"',
      parameters: '{"é":1.0,"z":[1E5,-0],"Z":"\\u00e9\\/\\u0001","z":12345678901234567890}',
      distributorParameters: '',
      meta: { asAccount: 'svc', retry: { failed: 2 }, timeouts: { run: 60 } },
    });
    if (!('ok' in desc)) throw new Error(desc.message);
    expect(canonicalQuestDesc(desc.ok)).toBe(
      '{"distributor_config_name":"a/\\"é\\"","distributor_parameters":{},' +
        '"meta":{"as_account":"svc","retry":{"crashed":0,"expired":0,"failed":2,"timed_out":0},' +
        '"timeouts":{"run":60,"start":21600,"stop":30}},' +
        '"parameters":{"Z":"é/\\u0001","z":12345678901234567890,"é":1.0}}',
    );
  });
});
