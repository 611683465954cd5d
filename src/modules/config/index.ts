// Public surface of modules/config: what other modules may import. Everything else is internal.
export { type AppConfig, ConfigError, loadConfig } from './app-config';
export { APP_CONFIG, ConfigModule } from './config.module';
