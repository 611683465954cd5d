// Public surface of modules/bootstrap: what other modules may import. Everything else is internal.
export { BootstrapModule } from './bootstrap.module';
