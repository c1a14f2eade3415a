// Original file: proto/drover/v1/graph.proto

import type { Quest as _drover_v1_Quest, Quest__Output as _drover_v1_Quest__Output } from '../../drover/v1/Quest';

export interface GraphData {
  'quests'?: ({[key: string]: _drover_v1_Quest});
  'had_more'?: (boolean);
  'had_errors'?: (boolean);
}

export interface GraphData__Output {
  'quests': ({[key: string]: _drover_v1_Quest__Output});
  'had_more': (boolean);
  'had_errors': (boolean);
}
