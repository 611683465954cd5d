/** Roles of the admin API (casbin subjects; see policies/rbac/policy.csv). */
export const ROLES = ['viewer', 'data-scientist', 'release-manager', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** The authenticated caller of an admin endpoint. */
export interface Principal {
  readonly name: string;
  readonly role: Role;
}
