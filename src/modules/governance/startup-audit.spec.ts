import { redactConfig } from './startup-audit.service';

describe('redactConfig', () => {
  it('removes API keys and URL passwords, keeps the rest', () => {
    expect(
      redactConfig({
        database: { kind: 'postgres', url: 'postgres://marquee:s3cret@db:5432/marquee', poolSize: 10 },
        adminApiKeys: [{ name: 'ops', role: 'admin', key: 'mq_abcdef' }],
        http: { port: 8082 },
      }),
    ).toEqual({
      database: { kind: 'postgres', url: 'postgres://marquee:[redacted]@db:5432/marquee', poolSize: 10 },
      adminApiKeys: [{ name: 'ops', role: 'admin', key: '[redacted]' }],
      http: { port: 8082 },
    });
  });
});
