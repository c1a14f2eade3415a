// Original file: proto/drover/v1/botapi.proto


export interface GetBotCodeRequest {
  /**
   * The version the bot was told to fetch; FAILED_PRECONDITION when the coordinator serves another.
   */
  'version'?: (string);
}

export interface GetBotCodeRequest__Output {
  /**
   * The version the bot was told to fetch; FAILED_PRECONDITION when the coordinator serves another.
   */
  'version': (string);
}
