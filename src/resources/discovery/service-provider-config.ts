// ServiceProviderConfig (RFC 7643 §5), generated from what this server actually does, so that discovery never
// advertises a feature that is switched off or not built.
import { URN } from '../../scim/urns';

export interface ServerCapabilities {
  readonly documentationUri?: string;
  readonly patch: boolean;
  readonly bulk: { readonly supported: boolean; readonly maxOperations: number; readonly maxPayloadSize: number };
  readonly filter: { readonly supported: boolean; readonly maxResults: number };
  readonly changePassword: boolean;
  readonly sort: boolean;
  readonly etag: boolean;
  /** RFC 9865 §4: pagination capabilities. */
  readonly pagination: {
    readonly cursor: boolean;
    readonly index: boolean;
    readonly defaultPaginationMethod: 'index' | 'cursor';
    readonly defaultPageSize: number;
    readonly maxPageSize: number;
    readonly cursorTimeout?: number;
  };
}

export function serviceProviderConfig(capabilities: ServerCapabilities, location: string): Record<string, unknown> {
  return {
    schemas: [URN.core.serviceProviderConfig],
    ...(capabilities.documentationUri ? { documentationUri: capabilities.documentationUri } : {}),
    patch: { supported: capabilities.patch },
    bulk: capabilities.bulk,
    filter: capabilities.filter,
    changePassword: { supported: capabilities.changePassword },
    sort: { supported: capabilities.sort },
    etag: { supported: capabilities.etag },
    pagination: capabilities.pagination,
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'Authentication with a bearer token issued by this server (see README: tenants and tokens)',
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location },
  };
}
