// Public surface of modules/console: what other modules may import. Everything else is internal.
export { ConsoleModule } from './console.module';
export { escapeHtml, html, raw, SafeHtml } from './html';
