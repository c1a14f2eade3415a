// Original file: proto/drover/v1/bots.proto


export interface DeleteBotResponse {
  'deleted'?: (boolean);
}

export interface DeleteBotResponse__Output {
  'deleted': (boolean);
}
