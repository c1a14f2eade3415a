import { pgUnreachable, pgUrl } from '../harness/pg-schema';
import type { Scenario } from '../harness/scenario';

type Options = Readonly<Record<string, string>>;

/**
 * `base` run with options of its own: `fixed` (the variant's identity, e.g. the store and the
 * replicas) over the command line's, and `defaults` under them (its sizes). Skipped, with one
 * line, when no PostgreSQL answers at DROVER_TEST_PG_URL.
 */
export function postgresVariant(
  base: Scenario,
  v: {
    readonly name: string;
    readonly description: string;
    readonly fixed: Options;
    readonly defaults: Options;
  },
): Scenario {
  const merged = (options: Options): Options => ({ ...v.defaults, ...options, ...v.fixed });
  return {
    name: v.name,
    description: v.description,
    checkOptions: (options) => base.checkOptions?.(merged(options)),
    resultName: (options) => base.resultName?.(merged(options)) ?? v.name,
    async skip() {
      const why = await pgUnreachable(pgUrl());
      return why === undefined ? undefined : `PostgreSQL unreachable (DROVER_TEST_PG_URL): ${why}`;
    },
    run: (ctx) => base.run({ ...ctx, options: merged(ctx.options) }),
  };
}
