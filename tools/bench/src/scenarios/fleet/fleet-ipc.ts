/** The messages between the fleet scenario and a process of simulated bots (fleet-bots-process). */

export interface FleetBotsArgs {
  readonly address: string;
  readonly token: string;
  /** Bot ids are `<prefix><i>`, i in [0, count). */
  readonly prefix: string;
  readonly count: number;
  /** Connects (Hello → Welcome) outstanding at once. */
  readonly connectInFlight: number;
}

export type FromFleetBots = {
  readonly type: 'progress' | 'connected';
  readonly connected: number;
  readonly failed: number;
  /** Streams that ended after their Welcome (the coordinator dropped them). */
  readonly lost: number;
  readonly firstError: string | undefined;
};

export type ToFleetBots = { readonly type: 'stop' };
