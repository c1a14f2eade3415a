import type { TaskQuery } from '@drover/state';
import type { StateQuery__Output } from './gen/drover/v1/StateQuery';

/** Swarming's state queries as store filters. */
export function stateQueryFilter(
  q: StateQuery__Output,
): Pick<TaskQuery, 'states' | 'outcome' | 'dedupedOnly'> {
  switch (q) {
    case 'QUERY_PENDING':
      return { states: ['PENDING'] };
    case 'QUERY_RUNNING':
      return { states: ['RUNNING'] };
    case 'QUERY_PENDING_RUNNING':
      return { states: ['PENDING', 'RUNNING'] };
    case 'QUERY_COMPLETED':
      return { states: ['COMPLETED'] };
    case 'QUERY_COMPLETED_SUCCESS':
      return { states: ['COMPLETED'], outcome: 'success' };
    case 'QUERY_COMPLETED_FAILURE':
      return { states: ['COMPLETED'], outcome: 'failure' };
    case 'QUERY_EXPIRED':
      return { states: ['EXPIRED'] };
    case 'QUERY_TIMED_OUT':
      return { states: ['TIMED_OUT'] };
    case 'QUERY_BOT_DIED':
      return { states: ['BOT_DIED'] };
    case 'QUERY_CANCELED':
      return { states: ['CANCELED'] };
    case 'QUERY_KILLED':
      return { states: ['KILLED'] };
    case 'QUERY_NO_RESOURCE':
      return { states: ['NO_RESOURCE'] };
    case 'QUERY_CLIENT_ERROR':
      return { states: ['CLIENT_ERROR'] };
    case 'QUERY_DEDUPED':
      return { dedupedOnly: true };
    case 'QUERY_ALL':
      return {};
  }
}
