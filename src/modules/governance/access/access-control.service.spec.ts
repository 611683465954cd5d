import { AccessControlService } from './access-control.service';
import { hashApiKey, presentedApiKey } from './api-key';

describe('AccessControlService (policies/rbac)', () => {
  const access = new AccessControlService();
  beforeAll(() => access.onModuleInit());

  it.each([
    ['viewer', 'models', 'read', true],
    ['viewer', 'promotions', 'request', false],
    ['viewer', 'audit', 'read', false],
    ['data-scientist', 'models', 'register', true],
    ['data-scientist', 'promotions', 'request', true],
    ['data-scientist', 'models', 'rollback', false],
    ['release-manager', 'promotions', 'request', true],
    ['release-manager', 'models', 'rollback', true],
    ['release-manager', 'models', 'register', false],
    ['auditor', 'reports', 'read', true],
    ['auditor', 'audit', 'read', true],
    ['auditor', 'promotions', 'request', false],
    ['admin', 'apikeys', 'manage', true],
    ['admin', 'promotions', 'override', true],
    ['nobody', 'models', 'read', false],
  ] as const)('%s on %s:%s → %s', async (role, resource, action, expected) => {
    expect(await access.can(role, resource, action)).toBe(expected);
  });
});

describe('API keys', () => {
  it('reads x-api-key or a Bearer token', () => {
    expect(presentedApiKey({ 'x-api-key': ' k1 ' })).toBe('k1');
    expect(presentedApiKey({ authorization: 'Bearer k2' })).toBe('k2');
    expect(presentedApiKey({ authorization: 'Basic abc' })).toBeNull();
    expect(presentedApiKey({})).toBeNull();
  });
  it('hashes with sha256', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
