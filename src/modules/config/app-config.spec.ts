import * as path from 'node:path';
import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('runs embedded with nothing set', () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ kind: 'pglite', dir: path.resolve('./data/pglite') });
    expect(config.events).toEqual({ kind: 'in-process' });
    expect(config.http.port).toBe(8082);
    expect(config.topics).toEqual({
      movielog: 'movielog',
      deadLetter: 'movielog.dlq',
      historyChanges: 'movielog.history-changes',
    });
    expect(config.ratingScaleMax).toBe(5);
  });

  it('selects PostgreSQL and Kafka when their variables are set', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/marquee',
      KAFKA_BROKERS: 'k1:9092, k2:9092',
      RATING_SCALE_MAX: '10',
    });
    expect(config.database).toMatchObject({ kind: 'postgres', url: 'postgres://u:p@db:5432/marquee' });
    expect(config.events).toMatchObject({ kind: 'kafka', brokers: ['k1:9092', 'k2:9092'] });
    expect(config.ratingScaleMax).toBe(10);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', KAFKA_BROKERS: '' }).database.kind).toBe('pglite');
  });

  it.each([
    ['PORT', 'eighty', /PORT/],
    ['PORT', '70000', /PORT/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL: expected a postgres/],
    ['KAFKA_BROKERS', 'localhost', /KAFKA_BROKERS.*host:port/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL/],
    ['RATING_SCALE_MAX', '1', /RATING_SCALE_MAX/],
  ])('rejects %s=%s naming the variable', (name, value, pattern) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(pattern);
  });

  it('reports every bad variable at once', () => {
    try {
      loadConfig({ PORT: 'x', LOG_LEVEL: 'y' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as ConfigError).problems.map((p) => p.split(':')[0]).sort()).toEqual(['LOG_LEVEL', 'PORT']);
    }
  });
});
