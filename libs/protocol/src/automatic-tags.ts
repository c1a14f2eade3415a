// The tags the coordinator gives every task at submit, as Swarming does, so that tasks
// can be found by pool, user, name and priority with the same tag query as any other tag.

/** The tag the coordinator gives a child task: `parent_task_id:<id>` (users may not set it). */
export const PARENT_TAG_KEY = 'parent_task_id';

/**
 * Keys the coordinator sets from the request's own fields. A client tag with one of these keys is
 * dropped rather than refused: the request's field is the truth (a client's `user:x` tag beside
 * user `y` would make the task findable as x's), and a retried task's copied tags stay valid.
 */
export const AUTOMATIC_TAG_KEYS = ['pool', 'user', 'name', 'priority'] as const;

export interface AutomaticTagSource {
  /** Every slice's pool (validate-new-task.ts makes them one). */
  readonly pools: readonly string[];
  readonly user: string;
  readonly name: string;
  readonly priority: number;
  /** '' = not a child. */
  readonly parentTaskId: string;
}

function tagKey(tag: string): string {
  return tag.slice(0, tag.indexOf(':'));
}

/**
 * The client's tags without the automatic keys, then `pool:` (each distinct pool), `user:` and
 * `name:` when not empty, `priority:` and `parent_task_id:` for a child. These come on top of
 * the client's 256 (docs/limits.md).
 */
export function withAutomaticTags(
  clientTags: readonly string[],
  src: AutomaticTagSource,
): string[] {
  const reserved = new Set<string>(AUTOMATIC_TAG_KEYS);
  const tags = clientTags.filter((t) => !reserved.has(tagKey(t)));
  for (const pool of new Set(src.pools)) tags.push(`pool:${pool}`);
  if (src.user !== '') tags.push(`user:${src.user}`);
  if (src.name !== '') tags.push(`name:${src.name}`);
  tags.push(`priority:${src.priority}`);
  if (src.parentTaskId !== '') tags.push(`${PARENT_TAG_KEY}:${src.parentTaskId}`);
  return tags;
}
