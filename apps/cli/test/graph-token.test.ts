import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { executionFromEnv, executionToken } from '../src/graph';

// graph.proto (ActivateExecutionRequest.execution_token) tells a client in any language how
// `drover graph` derives the execution token; a client doing the same is the same execution.

describe('the execution token as graph.proto documents it', () => {
  it('is SHA-256 of "drover-execution-token", a zero byte and the activation token', () => {
    const activation = randomBytes(32);
    const byHand = createHash('sha256')
      .update(
        Buffer.concat([
          Buffer.from('drover-execution-token', 'ascii'),
          Buffer.from([0]),
          activation,
        ]),
      )
      .digest();
    expect(executionToken(activation)).toEqual(byHand);
    expect(byHand.length).toBe(32);
  });

  it('takes the activation token as the bytes DROVER_EXECUTION_TOKEN decodes to (base64url)', () => {
    const activation = randomBytes(32);
    const quest = 'Ua5lcxaepibEJAE74RQ8fFKOfY6Fi2Gijk60r3YVQhY';
    const auth = executionFromEnv({
      DROVER_EXECUTION_ID: `${quest}/2/3`,
      DROVER_EXECUTION_TOKEN: activation.toString('base64url'),
    });
    expect(auth).toEqual({
      id: { quest, attempt: 2, id: 3 },
      token: executionToken(activation),
      activationToken: activation,
    });
  });
});
