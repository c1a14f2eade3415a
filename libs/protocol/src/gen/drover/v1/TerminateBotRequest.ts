// Original file: proto/drover/v1/bots.proto


export interface TerminateBotRequest {
  'bot_id'?: (string);
  'reason'?: (string);
}

export interface TerminateBotRequest__Output {
  'bot_id': (string);
  'reason': (string);
}
