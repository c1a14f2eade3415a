// Original file: proto/drover/v1/access.proto

import type { AccessBotGroup as _drover_v1_AccessBotGroup, AccessBotGroup__Output as _drover_v1_AccessBotGroup__Output } from '../../drover/v1/AccessBotGroup';

export interface ListBotGroupsResponse {
  'bot_groups'?: (_drover_v1_AccessBotGroup)[];
}

export interface ListBotGroupsResponse__Output {
  'bot_groups': (_drover_v1_AccessBotGroup__Output)[];
}
