// Original file: proto/drover/v1/bots.proto


export interface GetBotDimensionsRequest {
  'pool'?: (string);
}

export interface GetBotDimensionsRequest__Output {
  'pool': (string);
}
