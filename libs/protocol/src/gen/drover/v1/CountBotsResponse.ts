// Original file: proto/drover/v1/bots.proto


export interface CountBotsResponse {
  'count'?: (number);
  'busy'?: (number);
  'quarantined'?: (number);
  'maintenance'?: (number);
  'dead'?: (number);
}

export interface CountBotsResponse__Output {
  'count': (number);
  'busy': (number);
  'quarantined': (number);
  'maintenance': (number);
  'dead': (number);
}
