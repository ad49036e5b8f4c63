// Every urn:ietf:params:scim:* identifier the server uses (RFC 7643 §8.7, RFC 7644 §3).
export const URN = {
  core: {
    user: 'urn:ietf:params:scim:schemas:core:2.0:User',
    group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
    serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
    resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
    schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
  },
  extension: {
    enterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  },
  message: {
    listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
    searchRequest: 'urn:ietf:params:scim:api:messages:2.0:SearchRequest',
    patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
    bulkRequest: 'urn:ietf:params:scim:api:messages:2.0:BulkRequest',
    bulkResponse: 'urn:ietf:params:scim:api:messages:2.0:BulkResponse',
    error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  },
} as const;
