// A small registry with one attribute of every SCIM type, for the type rules the built-in User and Group schemas
// cannot reach (they have no integer, decimal or reference-typed leaf to filter on, for example).
import { createSchemaRegistry } from '../../../../src/scim/schema/registry';

export const DEVICE_SCHEMA = 'urn:example:params:scim:schemas:test:2.0:Device';

export const deviceRegistry = createSchemaRegistry({
  schemas: [
    {
      id: DEVICE_SCHEMA,
      name: 'Device',
      attributes: [
        { name: 'serial', type: 'string', caseExact: true },
        { name: 'label', type: 'string' },
        { name: 'ports', type: 'integer' },
        { name: 'weight', type: 'decimal' },
        { name: 'enabled', type: 'boolean' },
        { name: 'firmware', type: 'binary' },
        { name: 'homepage', type: 'reference', referenceTypes: ['external'] },
        { name: 'installedAt', type: 'dateTime' },
        { name: 'tags', type: 'string', multiValued: true },
        { name: 'readings', type: 'integer', multiValued: true },
        { name: 'secret', type: 'string', returned: 'never' },
        { name: 'pin', type: 'string', mutability: 'writeOnly', returned: 'never' },
        {
          name: 'locations',
          type: 'complex',
          multiValued: true,
          subAttributes: [
            { name: 'city', type: 'string' },
            { name: 'floor', type: 'integer' },
          ],
        },
        {
          name: 'owner',
          type: 'complex',
          subAttributes: [
            { name: 'value', type: 'string' },
            { name: 'badge', type: 'string', returned: 'never' },
          ],
        },
      ],
    },
  ],
  resourceTypes: [{ name: 'Device', endpoint: '/Devices', schema: DEVICE_SCHEMA }],
  commonAttributes: [
    { name: 'id', type: 'string', caseExact: true, mutability: 'readOnly', returned: 'always' },
    { name: 'externalId', type: 'string', caseExact: true },
    {
      name: 'meta',
      type: 'complex',
      mutability: 'readOnly',
      subAttributes: [
        { name: 'resourceType', type: 'string', caseExact: true },
        { name: 'created', type: 'dateTime' },
        { name: 'lastModified', type: 'dateTime' },
      ],
    },
  ],
});

export const deviceType = deviceRegistry.resourceType('Device')!;
