// Public surface of modules/storage: what other modules may import. Everything else is internal.
export { openDatabase } from './database';
export { readMigrations, runMigrations } from './migration-runner';
export { type SqlConnection } from './sql-connection';
export { StorageModule } from './storage.module';
export { StorageService } from './storage.service';
