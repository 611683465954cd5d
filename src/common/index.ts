// Public surface of common: what other modules may import. Everything else is internal.
export { JsonExceptionFilter } from './http-exception.filter';
export { createRootLogger, PinoNestLogger } from './logger';
export { redactUrl, StartupError, withDeadline } from './startup-error';
