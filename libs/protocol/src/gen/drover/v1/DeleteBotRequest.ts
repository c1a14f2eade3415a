// Original file: proto/drover/v1/bots.proto


export interface DeleteBotRequest {
  'bot_id'?: (string);
  'force'?: (boolean);
}

export interface DeleteBotRequest__Output {
  'bot_id': (string);
  'force': (boolean);
}
