// Original file: proto/drover/v1/bots.proto


export interface SetMaintenanceRequest {
  'bot_id'?: (string);
  'enabled'?: (boolean);
  'message'?: (string);
}

export interface SetMaintenanceRequest__Output {
  'bot_id': (string);
  'enabled': (boolean);
  'message': (string);
}
