// Original file: proto/drover/v1/access.proto


export interface RoleList {
  /**
   * view, submit, cancel, admin.
   */
  'roles'?: (string)[];
}

export interface RoleList__Output {
  /**
   * view, submit, cancel, admin.
   */
  'roles': (string)[];
}
