// Original file: proto/drover/v1/bots.proto


export interface BotIdRequest {
  'bot_id'?: (string);
}

export interface BotIdRequest__Output {
  'bot_id': (string);
}
