// Original file: proto/drover/v1/bots.proto


export interface QuarantineBotRequest {
  'bot_id'?: (string);
  'reason'?: (string);
}

export interface QuarantineBotRequest__Output {
  'bot_id': (string);
  'reason': (string);
}
