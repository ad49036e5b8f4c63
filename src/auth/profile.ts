// Compatibility profiles: tenant configuration that changes protocol details for that tenant only (README
// "Compatibility profiles"). The store keeps the name; this is what the names mean.

export const Profile = { standard: 'standard', entra: 'entra' } as const;
export type Profile = (typeof Profile)[keyof typeof Profile];

export const ALL_PROFILES: readonly Profile[] = Object.freeze(Object.values(Profile));

export function isProfile(value: string): value is Profile {
  return (ALL_PROFILES as readonly string[]).includes(value);
}
