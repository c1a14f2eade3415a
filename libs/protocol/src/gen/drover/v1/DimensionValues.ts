// Original file: proto/drover/v1/access.proto


export interface DimensionValues {
  'key'?: (string);
  'values'?: (string)[];
}

export interface DimensionValues__Output {
  'key': (string);
  'values': (string)[];
}
